"""The 1:1 API: schedule, agenda, notes, action items, and who gets what back (README: permissions)."""

from __future__ import annotations

import pytest

from tests.conftest import auth

MANAGER, REPORT, FOUNDER, OUTSIDER = "growth-lead@t.test", "ppc@t.test", "founder@t.test", "ops-lead@t.test"


@pytest.fixture
def h(tokens):
    return {email: auth(t) for email, t in tokens.items()}


@pytest.fixture
def meeting(client, h):
    resp = client.post("/api/meetings", json={"report": REPORT, "date": "2026-09-22", "status": "scheduled"},
                       headers=h[MANAGER])
    assert resp.status_code == 201 and resp.json()["status"] == "scheduled"
    return resp.json()["id"]


def test_a_1on1_from_schedule_to_held_with_agenda_notes_and_actions(client, h, org, meeting):
    r = client.post(f"/api/meetings/{meeting}/agenda", json={"text": "  Budget for the next push "}, headers=h[REPORT])
    assert r.status_code == 201 and r.json()["text"] == "Budget for the next push"
    assert r.json()["author_id"] == org[REPORT].id
    r = client.patch(f"/api/meetings/{meeting}", json={"status": "held", "minutes": 35, "notes": "Agreed a test.",
                                                       "private_notes": "Seems tired."}, headers=h[MANAGER])
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["minutes"], body["notes"], body["private_notes"], body["you"]) == (
        "held", 35, "Agreed a test.", "Seems tired.", "manager")
    first = client.post(f"/api/meetings/{meeting}/actions", json={"text": "Send the test plan", "owner": REPORT,
                                                                  "due": "2026-09-25"}, headers=h[MANAGER])
    second = client.post(f"/api/meetings/{meeting}/actions", json={"text": "Ask finance", "owner": MANAGER},
                         headers=h[REPORT])
    assert first.status_code == second.status_code == 201
    made = first.json()
    assert (made["owner_id"], made["due"], made["done"]) == (org[REPORT].id, "2026-09-25", False)
    done = client.patch(f"/api/actions/{second.json()['id']}", json={"done": True}, headers=h[REPORT])
    assert done.status_code == 200 and done.json()["done"] and done.json()["done_at"]

    as_report = client.get(f"/api/meetings/{meeting}", headers=h[REPORT]).json()
    assert (as_report["you"], as_report["notes"], as_report["private_notes"]) == ("report", "Agreed a test.", "")
    assert [a["text"] for a in as_report["agenda"]] == ["Budget for the next push"]
    assert [(a["text"], a["done"]) for a in as_report["actions"]] == [("Send the test plan", False),
                                                                      ("Ask finance", True)]
    as_founder = client.get(f"/api/meetings/{meeting}", headers=h[FOUNDER]).json()
    assert (as_founder["you"], as_founder["private_notes"], as_founder["notes"]) == (None, None, "Agreed a test.")
    assert len(as_founder["actions"]) == 2 and len(as_founder["agenda"]) == 1
    assert "Seems tired." not in str(as_founder) + str(as_report)
    listed = client.get(f"/api/meetings?person_id={org[REPORT].id}", headers=h[REPORT]).json()
    assert meeting in [m["id"] for m in listed] and "notes" not in listed[0]


def test_outsiders_get_404_and_readers_who_are_not_in_it_get_403(client, h, meeting):
    action = client.post(f"/api/meetings/{meeting}/actions", json={"text": "x", "owner": REPORT}, headers=h[MANAGER])
    aid = action.json()["id"]
    for who, code in ((OUTSIDER, 404), ("am@t.test", 404), (FOUNDER, 403)):
        if code == 404:
            assert client.get(f"/api/meetings/{meeting}", headers=h[who]).status_code == 404
        assert client.patch(f"/api/meetings/{meeting}", json={"notes": "x"}, headers=h[who]).status_code == code
        assert client.post(f"/api/meetings/{meeting}/agenda", json={"text": "x"}, headers=h[who]).status_code == code
        assert client.post(f"/api/meetings/{meeting}/actions", json={"text": "x", "owner": REPORT},
                           headers=h[who]).status_code == code
        assert client.patch(f"/api/actions/{aid}", json={"done": True}, headers=h[who]).status_code == code
    # the report writes notes but does not run the meeting
    r = client.patch(f"/api/meetings/{meeting}", json={"status": "cancelled"}, headers=h[REPORT])
    assert r.status_code == 403 and "manager" in r.json()["message"]
    assert client.patch("/api/actions/999999", json={"done": True}, headers=h[MANAGER]).status_code == 404
    assert client.get("/api/meetings/999999", headers=h[FOUNDER]).status_code == 404


def test_bad_bodies_are_422_and_change_nothing(client, h, meeting):
    cases = [
        ("post", f"/api/meetings/{meeting}/agenda", {"text": ""}),
        ("post", f"/api/meetings/{meeting}/agenda", {"text": "x" * 501}),
        ("post", f"/api/meetings/{meeting}/agenda", {"text": "x", "author": FOUNDER}),
        ("post", f"/api/meetings/{meeting}/actions", {"text": "x", "owner": FOUNDER}),
        ("post", f"/api/meetings/{meeting}/actions", {"text": "x", "owner": REPORT, "due": "2026-02-30"}),
        ("patch", f"/api/meetings/{meeting}", {"status": "postponed"}),
        ("patch", f"/api/meetings/{meeting}", {"private_notes": "x" * 4001}),
        ("patch", f"/api/meetings/{meeting}", {"date": None}),
        ("patch", f"/api/meetings/{meeting}", {"minutes": 601}),
    ]
    for method, url, body in cases:
        r = getattr(client, method)(url, json=body, headers=h[MANAGER])
        assert r.status_code == 422, (url, body, r.status_code, r.text)
        assert r.json()["message"], r.json()
    detail = client.get(f"/api/meetings/{meeting}", headers=h[MANAGER]).json()
    assert (detail["agenda"], detail["actions"], detail["status"], detail["private_notes"]) == ([], [], "scheduled", "")


def test_dates_collide_as_conflicts(client, h, meeting):
    held = {"report": REPORT, "date": "2026-09-29", "status": "held"}
    other = client.post("/api/meetings", json=held, headers=h[MANAGER]).json()["id"]
    r = client.post("/api/meetings", json=held | {"status": "scheduled"}, headers=h[MANAGER])
    assert r.status_code == 409 and "already recorded as held" in r.json()["message"]
    assert client.patch(f"/api/meetings/{meeting}", json={"date": "2026-09-29"}, headers=h[MANAGER]).status_code == 409
    moved = client.patch(f"/api/meetings/{other}", json={"date": "2026-09-30"}, headers=h[MANAGER])
    assert moved.status_code == 200 and moved.json()["date"] == "2026-09-30"


def test_the_openapi_schema_documents_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/meetings/{meeting_id}"])
    assert "post" in paths["/api/meetings/{meeting_id}/agenda"]
    assert "post" in paths["/api/meetings/{meeting_id}/actions"]
    assert "patch" in paths["/api/actions/{action_id}"]


def test_a_1on1_ahead_of_today_marked_held_or_rushed_is_a_422(client, h, monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-09-16")
    from assistant.settings import get_settings

    get_settings.cache_clear()
    r = client.post("/api/meetings", json={"report": REPORT, "date": "2026-09-22", "status": "held"},
                    headers=h[MANAGER])
    assert r.status_code == 422 and "has not happened yet" in r.json()["message"]
    made = client.post("/api/meetings", json={"report": REPORT, "date": "2026-09-22", "status": "scheduled"},
                       headers=h[MANAGER]).json()["id"]
    r = client.patch(f"/api/meetings/{made}", json={"status": "rushed"}, headers=h[MANAGER])
    assert r.status_code == 422 and "today is 2026-09-16" in r.json()["message"]
    assert client.get(f"/api/meetings/{made}", headers=h[MANAGER]).json()["status"] == "scheduled"
    get_settings.cache_clear()
