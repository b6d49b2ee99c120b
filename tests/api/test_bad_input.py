"""Bad input is a 4xx JSON error body and stores nothing; an unexpected fault is a JSON 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from assistant.domain.models import CheckIn, Quarter, RoleGoal
from tests.conftest import auth

ABSURD_WEEKS = ["9999-W52", "2027-W53", "0000-W01"]
ABSURD_QUARTERS = ["9999-Q4", "0000-Q1"]


def count(session, model) -> int:  # noqa: ANN001
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def assert_error_body(resp, status: int) -> None:  # noqa: ANN001
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error", "message", "detail"} and body["message"]


def test_weeks_that_do_not_exist_are_refused_everywhere(client, tokens, session):
    member, lead = auth(tokens["ppc@t.test"]), auth(tokens["growth-lead@t.test"])
    before = count(session, CheckIn)
    for week in ABSURD_WEEKS:
        resp = client.post("/api/checkins", json={"week": week, "wins": "x"}, headers=member)
        assert_error_body(resp, 422)
        assert week in resp.json()["message"]
        assert_error_body(client.get(f"/api/checkins?week_from={week}", headers=member), 422)
        assert_error_body(client.post("/api/drafts/brief", json={"person": "ppc@t.test", "week": week},
                                      headers=lead), 422)
        assert_error_body(client.post("/api/drafts/feedback", json={"week": week}, headers=member), 422)
        assert_error_body(client.get(f"/api/search?q=tacos&week={week}", headers=member), 422)
    assert count(session, CheckIn) == before


def test_checkins_for_weeks_after_next_are_refused(client, tokens, session, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-12-01")  # in 2026-W49
    from assistant.settings import get_settings

    get_settings.cache_clear()
    member = auth(tokens["ppc@t.test"])
    assert client.post("/api/checkins", json={"week": "2026-W50"}, headers=member).status_code == 201
    resp = client.post("/api/checkins", json={"week": "2026-W51"}, headers=member)
    assert_error_body(resp, 422)
    assert "after next" in resp.json()["message"]
    assert count(session, CheckIn) == len(session.exec(select(CheckIn.id)).all())
    assert not session.exec(select(CheckIn).where(CheckIn.week == "2026-W51")).first()


def test_quarters_that_do_not_exist_are_refused(client, tokens, session):
    lead, founder = auth(tokens["growth-lead@t.test"]), auth(tokens["founder@t.test"])
    goals, quarters = count(session, RoleGoal), count(session, Quarter)
    for quarter in ABSURD_QUARTERS:
        resp = client.post("/api/goals", json={"person": "ppc@t.test", "quarter": quarter, "title": "t"},
                           headers=founder)
        assert_error_body(resp, 422)
        assert quarter in resp.json()["message"]
        assert_error_body(client.post("/api/drafts/goals", json={"person": "ppc@t.test", "quarter": quarter},
                                      headers=lead), 422)
        assert_error_body(client.get(f"/api/goals?quarter={quarter}", headers=lead), 422)
    assert (count(session, RoleGoal), count(session, Quarter)) == (goals, quarters)


def test_absurd_offsets_and_limits_are_422(client, tokens):
    member = auth(tokens["ppc@t.test"])
    for query in ("offset=" + "9" * 30, "offset=-1", "limit=" + "9" * 30, "limit=0", "person_id=" + "9" * 30):
        assert_error_body(client.get(f"/api/checkins?{query}", headers=member), 422)
    assert client.get("/api/checkins?offset=1000000", headers=member).json() == []


def test_deeply_nested_json_is_a_4xx_json_error(client, tokens):
    lead = auth(tokens["growth-lead@t.test"])
    for url in ("/api/kpis/values", "/api/checkins", "/api/goals", "/api/drafts/brief"):
        resp = client.post(url, content="[" * 5000, headers=lead | {"Content-Type": "application/json"})
        assert 400 <= resp.status_code < 500, (url, resp.status_code)
        assert_error_body(resp, resp.status_code)


def test_an_unexpected_fault_is_a_json_500_and_is_logged(engine, tokens, monkeypatch, caplog):
    from assistant.app import create_app

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("assistant.api.people.visible_people", broken)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        resp = client.get("/api/people", headers=auth(tokens["ppc@t.test"]))
        page = client.get("/no-such-page-but-fine")
    assert_error_body(resp, 500)
    assert resp.json()["error"] == "internal_error"
    assert "disk on fire" not in resp.text  # the cause goes to the log, not to the client
    assert any("disk on fire" in (r.exc_text or "") or "disk on fire" in r.getMessage() for r in caplog.records)
    assert page.status_code == 404


@pytest.mark.parametrize("csv_body, where", [
    ("kpi,kpi,period,value\nppc-acos,ppc-tacos,2026-09-28,1\n", "column 2"),
    ("kpi,period,value\nppc-acos,2026-09-28,1_000\n", "line 2, column 3"),
])
def test_ambiguous_csv_is_refused_with_line_and_column(client, tokens, csv_body, where):
    lead = auth(tokens["growth-lead@t.test"])
    resp = client.post("/api/kpis/values", content=csv_body, headers=lead | {"Content-Type": "text/csv"})
    assert_error_body(resp, 422)
    assert where in resp.json()["message"]
    periods = [v["period"] for v in client.get("/api/kpis/ppc-acos/values", headers=lead).json()]
    assert "2026-09-28" not in periods


def test_an_unexpected_fault_on_a_page_is_an_error_page(engine, tokens, monkeypatch):
    from assistant.app import create_app
    from tests.web.conftest import sign_in

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("assistant.web.pages_week.visible_checkin_of_week", broken)
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        sign_in(client, tokens["ppc@t.test"])
        resp = client.get("/week")
    assert resp.status_code == 500 and resp.headers["content-type"].startswith("text/html")
    assert "Something failed on our side" in resp.text and "disk on fire" not in resp.text
