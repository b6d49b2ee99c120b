"""Web sessions: a browser's credential is not an API token, it expires when idle and with age,
and a form posted from another origin (scheme, host or port) is refused."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from sqlmodel import select

from assistant.domain.models import ApiToken, utcnow
from tests.conftest import auth
from tests.web.conftest import csrf_of, sign_in


def cookie_token(client) -> str:  # noqa: ANN001
    """What anyone holding the cookie can read: it is signed, not encrypted."""
    payload = client.cookies.get("cadence_session").split(".")[0]
    return json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["token"]


def web_session(session) -> ApiToken:  # noqa: ANN001
    session.rollback()
    session.expire_all()  # what the server committed, not the rows this session last wrote
    return session.exec(select(ApiToken).where(ApiToken.name == "web session")).one()


def age(session, row: ApiToken, *, created: timedelta, used: timedelta | None) -> None:  # noqa: ANN001
    row.created_at = utcnow() - created
    if hasattr(row, "last_used_at"):
        row.last_used_at = None if used is None else utcnow() - used
    session.add(row)
    session.commit()


def test_the_web_session_token_is_refused_as_a_bearer(client, tokens):
    sign_in(client, tokens["ppc@t.test"])
    assert client.get("/week").status_code == 200
    stolen = cookie_token(client)
    resp = client.get("/api/people/me", headers=auth(stolen))
    assert resp.status_code == 401 and resp.json()["error"] == "unauthorized"
    assert "web session" in resp.json()["message"]
    # the API token itself still works as one
    assert client.get("/api/people/me", headers=auth(tokens["ppc@t.test"])).status_code == 200


def test_an_idle_session_expires(client, tokens, session):
    sign_in(client, tokens["ppc@t.test"])
    age(session, web_session(session), created=timedelta(hours=13), used=timedelta(hours=13))
    resp = client.get("/week", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/signin")


def test_a_used_session_slides_until_its_absolute_end(client, tokens, session, monkeypatch):
    sign_in(client, tokens["ppc@t.test"])
    row = web_session(session)
    age(session, row, created=timedelta(days=3), used=timedelta(hours=11))
    assert client.get("/week", follow_redirects=False).status_code == 200
    refreshed = web_session(session)
    assert utcnow() - refreshed.last_used_at.replace(tzinfo=utcnow().tzinfo) < timedelta(minutes=1)
    # used a minute ago, but older than the absolute limit: signed out all the same
    age(session, refreshed, created=timedelta(days=8), used=timedelta(minutes=1))
    resp = client.get("/week", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/signin")


def test_lifetimes_are_settings(client, tokens, session, monkeypatch):
    monkeypatch.setenv("CADENCE_SESSION_IDLE_HOURS", "1")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    sign_in(client, tokens["ppc@t.test"])
    age(session, web_session(session), created=timedelta(hours=2), used=timedelta(hours=2))
    assert client.get("/week", follow_redirects=False).status_code == 303


def test_origin_must_match_scheme_host_and_port(client, tokens):
    form = client.get("/signin")
    token = csrf_of(form.text)
    for origin in ("https://testserver", "http://testserver:8080", "http://testserver.evil.test",
                   "http://evil.test", "null", "http://"):
        resp = client.post("/signin", data={"csrf": token, "token": tokens["ppc@t.test"]},
                           headers={"origin": origin}, follow_redirects=False)
        assert resp.status_code == 403, origin
    for origin in ("http://testserver", "http://TestServer:80"):
        resp = client.post("/signin", data={"csrf": csrf_of(client.get("/signin").text), "token": tokens["ppc@t.test"]},
                           headers={"origin": origin}, follow_redirects=False)
        assert resp.status_code == 303, origin
