"""A stored draft keeps the model's output, the computed facts and the metadata apart; the
flat view every reader gets keeps the field names scripts read; one map finds each kind's
drafter; one renderer writes the markdown."""

from __future__ import annotations

from assistant.domain.models import Draft, DraftKind
from assistant.drafting import DRAFTERS, draft_brief
from assistant.drafting.markdown import to_markdown
from assistant.drafting.schemas import BriefModelOut, FeedbackModelOut, GoalsModelOut
from tests.drafting.test_feedback import demo_tokens  # noqa: F401 - shared fixture

LEAD, PPC = "growth-lead@northwind.test", "ppc@northwind.test"


def test_every_kind_has_one_drafter():
    assert set(DRAFTERS) == {k.value for k in DraftKind}


def test_each_part_holds_what_it_names(session, demo):
    brief = DRAFTERS["brief"](session, demo(LEAD), demo(PPC), "2026-W41")
    assert set(brief.output) == set(BriefModelOut.model_fields)
    BriefModelOut.model_validate(brief.output)
    assert set(brief.facts) == {"week", "data_age", "flags", "verdicts", "recurring_blockers",
                                "self_report_mismatches", "self_report_runs", "cadence", "rhythm"}
    assert list(brief.meta) == ["kind", "subject", "viewer", "period", "provider", "model", "grounding", "usage",
                                "inputs"]
    # What the draft was written from stays on the server: no reader's flat view carries it.
    assert {"fingerprint", "kpis", "numbers", "tokens", "sources"} == set(brief.meta["inputs"])
    assert list(brief.content) == ["kind", "subject", "viewer", "period", "provider", "model", "sections",
                                   "questions", "week", "data_age", "flags", "verdicts", "recurring_blockers",
                                   "self_report_mismatches", "self_report_runs", "cadence", "rhythm", "grounding",
                                   "usage"]
    feedback = DRAFTERS["feedback"](session, demo(PPC), demo(PPC), "2026-W41")
    FeedbackModelOut.model_validate(feedback.output)
    assert {"metric_check", "checkin", "role_goals"} <= set(feedback.facts) and "sections" not in feedback.facts
    goals = DRAFTERS["goals"](session, demo("founder@northwind.test"), demo(PPC), "2027-Q1")
    GoalsModelOut.model_validate(goals.output)
    assert "computed_goals" in goals.facts and "goals" not in goals.facts


def test_the_api_shows_the_flat_view_and_the_parts(client, demo_tokens, session):  # noqa: F811
    r = client.post("/api/drafts/brief", json={"person": PPC, "week": "2026-W41"}, headers=demo_tokens["growth-lead"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["content"] == {**{k: body["meta"][k] for k in ("kind", "subject", "viewer", "period", "provider",
                                                                 "model")},
                               **body["output"], **body["facts"],
                               "grounding": body["meta"]["grounding"], "usage": body["meta"]["usage"]}
    # An edit rewords the output; the computed facts and the metadata are not the reader's to change.
    edited = {**body["content"], "questions": ["Which campaign paused first?"], "flags": [], "viewer": "x@y.test"}
    r = client.put(f"/api/drafts/{body['id']}", json={"content": edited}, headers=demo_tokens["growth-lead"])
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["status"] == "edited" and after["output"]["questions"] == ["Which campaign paused first?"]
    assert after["facts"] == body["facts"] and after["meta"] == body["meta"]
    assert after["content"]["flags"] == body["content"]["flags"] and after["content"]["viewer"] == LEAD


def test_markdown_is_the_kinds_template_or_the_plain_layout(session, demo):
    draft = draft_brief(session, demo(LEAD), demo(PPC), "2026-W41")
    md = to_markdown(draft.content, title="ignored: the template has its own heading")
    assert md.startswith(f"# 1:1 prep: {PPC} (2026-W41)\n") and "## Questions to ask" in md
    # An edit that dropped a field the template reads still renders, in the plain layout.
    bare = Draft(kind="brief", subject_id=1, requested_by_id=1, provider="x", model="x",
                 output={"sections": [{"title": "Moved", "items": [{"text": "ACOS fell.", "sources": ["kpi:a@d"]}]}]},
                 facts={"flags": [{"kpi": "ppc-acos", "code": "gamed", "reason": "TACOS rose"}]},
                 meta={"kind": "brief"})
    assert to_markdown(bare.content, title="1:1 brief: Tomás") == (
        "# 1:1 brief: Tomás\n\n## Moved\n- ACOS fell. [kpi:a@d]\n\n## Flags\n- ppc-acos: gamed: TACOS rose\n")
