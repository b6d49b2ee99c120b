"""A guardrail KPI the viewer may not see is at most "a guardrail owned by another team":
no key, no name, no figures, in the API, the pages, the drafts and the prompts."""

from __future__ import annotations

from tests.api.conftest import GUARDRAIL_KEY, HIDDEN_GUARDRAIL, guardrail_leaks, prompts
from tests.web.conftest import sign_in

LEAD, PPC, FOUNDER = "growth-lead@t.test", "ppc@t.test", "founder@t.test"


def test_kpi_api_names_only_a_visible_guardrail(client, rt_tokens):
    for viewer in (LEAD, PPC):
        r = client.get("/api/kpis/ppc-acos", headers=rt_tokens[viewer])
        assert r.status_code == 200
        body = r.json()
        assert body["guardrail"] is None and body["guardrail_note"] == HIDDEN_GUARDRAIL, body
        assert guardrail_leaks(r.text) == []
        listed = client.get("/api/kpis", headers=rt_tokens[viewer])
        assert guardrail_leaks(listed.text) == []
        audit = client.get("/api/kpis/audit", headers=rt_tokens[viewer])
        assert audit.status_code == 200 and guardrail_leaks(audit.text) == []
    body = client.get("/api/kpis/ppc-acos", headers=rt_tokens[FOUNDER]).json()
    assert body["guardrail"] == GUARDRAIL_KEY and body["guardrail_note"] is None


def test_kpi_page_says_only_that_a_guardrail_exists(client, session, rt_org):
    from assistant.domain.auth import create_token

    token = create_token(session, rt_org[LEAD])
    session.commit()
    sign_in(client, token)
    page = client.get("/kpis/ppc-acos")
    assert page.status_code == 200
    assert HIDDEN_GUARDRAIL in page.text and guardrail_leaks(page.text) == []


def test_drafts_and_prompts_leave_a_hidden_guardrail_out(client, rt_tokens, spy):
    for path, body in (("/api/drafts/brief", {"person": PPC, "week": "2026-W38"}),
                       ("/api/drafts/goals", {"person": PPC, "quarter": "2026-Q4"}),
                       ("/api/drafts/feedback", {"person": PPC, "week": "2026-W38"})):
        spy.requests.clear()
        r = client.post(path, json=body, headers=rt_tokens[LEAD])
        assert r.status_code == 201, r.text
        assert guardrail_leaks(r.text) == [], path
        assert spy.requests and guardrail_leaks(prompts(spy)) == [], path
        page = client.get(f"/api/drafts/{r.json()['id']}", headers=rt_tokens[LEAD])
        assert guardrail_leaks(page.text) == []
    spy.requests.clear()
    r = client.post("/api/drafts/feedback", json={"week": "2026-W38"}, headers=rt_tokens[PPC])
    assert r.status_code == 201 and guardrail_leaks(r.text) == [] and guardrail_leaks(prompts(spy)) == []


def test_a_founders_draft_on_the_hidden_guardrail_is_not_the_managers_to_read(client, rt_tokens, spy):
    r = client.post("/api/drafts/brief", json={"person": PPC, "week": "2026-W38"}, headers=rt_tokens[FOUNDER])
    assert r.status_code == 201
    assert guardrail_leaks(prompts(spy)), "the founder may see the guardrail: the fixture should exercise it"
    draft_id = r.json()["id"]
    assert client.get(f"/api/drafts/{draft_id}", headers=rt_tokens[FOUNDER]).status_code == 200
    # The brief rests on a KPI outside the manager's team: to them it does not exist.
    assert client.get(f"/api/drafts/{draft_id}", headers=rt_tokens[LEAD]).status_code == 404
    listed = client.get("/api/drafts", headers=rt_tokens[LEAD])
    assert draft_id not in {d["id"] for d in listed.json()} and guardrail_leaks(listed.text) == []
