"""Accepting a draft twice: the API and the web page share ``domain.drafts.changeable_draft``,
so both answer the second accept with a 409 and leave the draft as the first accept left it."""

from __future__ import annotations

from tests.conftest import auth
from tests.web.conftest import post_form, sign_in

LEAD, PPC = "growth-lead@t.test", "ppc@t.test"


def _brief(client, headers) -> dict:  # noqa: ANN001
    r = client.post("/api/drafts/brief", json={"person": PPC, "week": "2026-W38"}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_a_second_accept_through_the_api_is_a_conflict(client, tokens):
    h = auth(tokens[LEAD])
    draft = _brief(client, h)
    first = client.post(f"/api/drafts/{draft['id']}/accept", headers=h)
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    again = client.post(f"/api/drafts/{draft['id']}/accept", headers=h)
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    assert "already accepted" in again.json()["message"]
    assert client.get(f"/api/drafts/{draft['id']}", headers=h).json()["updated_at"] == first.json()["updated_at"]
    # Discarding after accepting is still the requester's call.
    assert client.post(f"/api/drafts/{draft['id']}/discard", headers=h).json()["status"] == "discarded"


def test_a_second_accept_from_the_draft_page_is_a_conflict(client, tokens):
    draft = _brief(client, auth(tokens[LEAD]))
    sign_in(client, tokens[LEAD])
    url = f"/drafts/{draft['id']}"
    assert post_form(client, url, f"{url}/accept").status_code == 303
    again = post_form(client, url, f"{url}/accept")
    assert again.status_code == 409 and "already accepted" in again.text
