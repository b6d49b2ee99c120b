"""Who reads, changes and re-prepares a draft: only while they may see its subject; the
requester's identity only for viewers who may see them; changes by the requester alone,
checked against the kind's schema, a size bound and the grounding guard; no duplicates."""

from __future__ import annotations

import json

from sqlmodel import select

from assistant.domain.models import Draft, Meeting
from tests.api.conftest import import_redteam
from tests.web.conftest import csrf_of, sign_in

FOUNDER, LEAD, PPC, AM, OPS = "founder@t.test", "growth-lead@t.test", "ppc@t.test", "am@t.test", "ops-lead@t.test"


def _brief(client, headers, person, week="2026-W38"):  # noqa: ANN001, ANN202
    r = client.post("/api/drafts/brief", json={"person": person, "week": week}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


def _web(client, session, person):  # noqa: ANN001, ANN202
    from assistant.domain.auth import create_token

    token = create_token(session, person)
    session.commit()
    sign_in(client, token)
    return client


# ---- 2. a report who moved takes their drafts and 1:1s with them ------------------------------

def test_a_moved_report_leaves_the_old_managers_drafts_and_meetings(client, session, rt_org, rt_tokens):
    h = rt_tokens[LEAD]
    draft = _brief(client, h, AM)
    am_meeting = session.exec(select(Meeting).where(Meeting.report_id == rt_org[AM].id)).one()
    assert am_meeting.id in {m["id"] for m in client.get("/api/meetings", headers=h).json()}
    import_redteam(session, am_manager=OPS)

    did = draft["id"]
    assert client.get(f"/api/drafts/{did}", headers=h).status_code == 404
    assert did not in {d["id"] for d in client.get("/api/drafts", headers=h).json()}
    for action in ("accept", "discard"):
        assert client.post(f"/api/drafts/{did}/{action}", headers=h).status_code == 404
    assert client.put(f"/api/drafts/{did}", json={"content": draft["content"]}, headers=h).status_code == 404
    assert am_meeting.id not in {m["id"] for m in client.get("/api/meetings", headers=h).json()}
    assert am_meeting.id not in {m["id"] for m in client.get(f"/api/meetings?person_id={rt_org[LEAD].id}",
                                                             headers=h).json()}
    web = _web(client, session, rt_org[LEAD])
    assert web.get(f"/drafts/{did}").status_code == 404
    assert web.get(f"/drafts/{did}/markdown").status_code == 404
    # The new manager now sees the 1:1 history of their report.
    assert am_meeting.id in {m["id"] for m in client.get("/api/meetings", headers=rt_tokens[OPS]).json()}
    session.expire_all()
    assert session.get(Draft, did).status == "draft"


# ---- 3. the requester is shown only to those who may see them ---------------------------------

def test_a_member_does_not_learn_who_asked_for_feedback_on_them(client, session, rt_org, rt_tokens):
    r = client.post("/api/drafts/feedback", json={"person": PPC, "week": "2026-W38"}, headers=rt_tokens[LEAD])
    assert r.status_code == 201
    did = r.json()["id"]
    for url in (f"/api/drafts/{did}", "/api/drafts"):
        got = client.get(url, headers=rt_tokens[PPC])
        assert got.status_code == 200
        assert LEAD not in got.text and "Gil Growth" not in got.text, url
    one = client.get(f"/api/drafts/{did}", headers=rt_tokens[PPC]).json()
    assert one["requested_by_id"] is None and "viewer" not in one["content"] and "viewer" not in one["meta"]
    founder_view = client.get(f"/api/drafts/{did}", headers=rt_tokens[FOUNDER]).json()
    assert founder_view["requested_by_id"] == rt_org[LEAD].id and founder_view["content"]["viewer"] == LEAD
    web = _web(client, session, rt_org[PPC])
    for url in (f"/drafts/{did}", f"/drafts/{did}/markdown", "/drafts", "/week"):
        page = web.get(url)
        assert page.status_code == 200 and LEAD not in page.text and "Gil Growth" not in page.text, url


# ---- 4. only the requester changes a draft; edits are checked ------------------------------------

def test_only_the_requester_changes_a_draft_and_a_founder_may_discard(client, session, rt_tokens):
    fb = client.post("/api/drafts/feedback", json={"person": PPC, "week": "2026-W38"}, headers=rt_tokens[LEAD]).json()
    # The member sees feedback about themself but did not ask for it.
    for method, url, kw in (("post", f"/api/drafts/{fb['id']}/accept", {}),
                            ("post", f"/api/drafts/{fb['id']}/discard", {}),
                            ("put", f"/api/drafts/{fb['id']}", {"json": {"content": {"sections": []}}})):
        r = getattr(client, method)(url, headers=rt_tokens[PPC], **kw)
        assert r.status_code == 403, (url, r.text)
    founders = _brief(client, rt_tokens[FOUNDER], AM)
    assert client.post(f"/api/drafts/{founders['id']}/accept", headers=rt_tokens[LEAD]).status_code == 403
    session.expire_all()
    assert {session.get(Draft, fb["id"]).status, session.get(Draft, founders["id"]).status} == {"draft"}
    leads = _brief(client, rt_tokens[LEAD], AM)
    assert client.post(f"/api/drafts/{leads['id']}/accept", headers=rt_tokens[FOUNDER]).status_code == 403
    r = client.post(f"/api/drafts/{leads['id']}/discard", headers=rt_tokens[FOUNDER])
    assert r.status_code == 200 and r.json()["status"] == "discarded"
    assert client.post(f"/api/drafts/{fb['id']}/accept", headers=rt_tokens[LEAD]).json()["status"] == "accepted"


def test_an_edit_must_fit_the_kinds_schema_and_size(client, session, rt_org, rt_tokens):
    h = rt_tokens[LEAD]
    draft = _brief(client, h, PPC)
    did, before = draft["id"], draft["output"]
    for bad in ({"sections": "not a list"}, {"sections": [{"title": "x", "items": [{"text": 5}]}]},
                {"sections": [{"title": "x", "items": [], "extra": 1}]}, {"questions": [{"a": 1}]},
                {"sections": [{"title": "Moved", "items": [{"text": "x" * 20_000, "sources": []}]}]}):
        r = client.put(f"/api/drafts/{did}", json={"content": {**draft["content"], **bad}}, headers=h)
        assert r.status_code == 422, (bad, r.status_code, r.text[:200])
        assert r.json()["error"]
    huge = {**draft["content"], "questions": ["Why? " * 40] * 6,
            "padding": {"a" * 10: "b" * 70_000}}
    r = client.put(f"/api/drafts/{did}", json={"content": huge}, headers=h)
    assert r.status_code in (413, 422), r.status_code
    session.expire_all()
    stored = session.get(Draft, did)
    assert stored.output == before and stored.status == "draft"
    web = _web(client, session, rt_org[LEAD])
    assert web.get(f"/drafts/{did}").status_code == 200


def test_an_edited_figure_the_data_cannot_support_is_marked_not_verified(client, session, rt_org, rt_tokens):
    h = rt_tokens[LEAD]
    draft = _brief(client, h, PPC)
    did = draft["id"]
    assert draft["meta"]["grounding"]["ungrounded"] == []
    output = json.loads(json.dumps(draft["output"]))
    item = output["sections"][0]["items"][0]
    reworded = {**output, "questions": [*output["questions"], "What will you change next week?"]}
    r = client.put(f"/api/drafts/{did}", json={"content": reworded}, headers=h)
    assert r.status_code == 200 and r.json()["meta"]["grounding"].get("unverified", []) == []
    web = _web(client, session, rt_org[LEAD])
    assert "all grounded" in web.get(f"/drafts/{did}").text
    item["text"] = "ACOS fell to 3.14159% after the bid cut."
    r = client.put(f"/api/drafts/{did}", json={"content": output}, headers=h)
    assert r.status_code == 200, r.text
    unverified = r.json()["meta"]["grounding"]["unverified"]
    assert [u["where"] for u in unverified] == ["sections[0].items[0]"]
    page = web.get(f"/drafts/{did}").text
    assert "edited, not verified" in page and "all grounded" not in page


# ---- 5. preparing again reuses an unchanged draft, else supersedes it ---------------------------

def test_preparing_again_reuses_the_draft_until_the_data_changes(client, session, rt_org, rt_tokens):
    h = rt_tokens[LEAD]
    first = _brief(client, h, PPC)
    again = client.post("/api/drafts/brief", json={"person": PPC, "week": "2026-W38"}, headers=h)
    assert again.json()["id"] == first["id"] and again.status_code == 200
    web = _web(client, session, rt_org[LEAD])
    csrf = csrf_of(web.get("/week").text)
    r = web.post(f"/people/{rt_org[PPC].id}/brief", data={"csrf": csrf, "week": "2026-W38"}, follow_redirects=False)
    assert r.status_code == 303
    assert len(session.exec(select(Draft).where(Draft.kind == "brief")).all()) == 1
    # Another requester gets a draft of their own.
    assert _brief(client, rt_tokens[FOUNDER], PPC)["id"] != first["id"]
    # New data: the next prepare drafts anew and the older draft says it is superseded.
    acos = client.get("/api/kpis/ppc-acos", headers=h).json()["id"]
    assert client.post("/api/kpis/values", json=[{"kpi": acos, "period": "2026-09-13", "value": 26.5}],
                       headers=h).status_code == 200
    fresh = _brief(client, h, PPC)
    assert fresh["id"] != first["id"]
    old = client.get(f"/api/drafts/{first['id']}", headers=h).json()
    assert old["meta"]["superseded_by"] == fresh["id"]
    assert "superseded" in web.get(f"/drafts/{first['id']}").text.lower()
    # An edited draft is the person's own words: preparing again does not hand it back.
    client.put(f"/api/drafts/{fresh['id']}", json={"content": {**fresh["output"], "questions": ["Why?"]}}, headers=h)
    assert _brief(client, h, PPC)["id"] != fresh["id"]
