"""The claim guard measured as a detector: mutated drafts caught, unmutated claims kept."""

from __future__ import annotations

import pytest

from assistant.evals.mutations import GOAL_CATCH, GOAL_FALSE_DROPS, measure, summary
from tests.conftest import ROOT

DEMO = ROOT / "demo" / "northwind.yaml"
OPERATORS = {"number_swap", "direction_flip", "recognise_gamed", "count_change", "week_shift"}


def _explain(figures) -> str:
    missed = "; ".join(f"{m['operator']} {m['draft']} {m['where']}: {m['after'][:120]}" for m in figures.missed[:5])
    dropped = "; ".join(f"{d['draft']} {d['where']}: {d['text'][:120]}" for d in figures.false_drops[:5])
    return f"{summary(figures.as_dict())}\nmissed: {missed or 'none'}\ndropped: {dropped or 'none'}"


@pytest.mark.slow
def test_the_demo_orgs_mutants_are_caught_and_its_claims_kept():
    figures = measure([DEMO])
    assert figures.skipped == [], figures.skipped
    assert {d for d in figures.by_kind} == {"brief", "feedback", "goals"}
    assert OPERATORS <= set(figures.by_operator), figures.by_operator
    assert figures.mutants >= 150 and figures.claims >= 50
    assert figures.catch_rate >= GOAL_CATCH and figures.false_drop_rate <= GOAL_FALSE_DROPS, _explain(figures)


@pytest.mark.slow
def test_every_orgs_mutants_meet_the_goal():
    """The figure `cadence eval` reports: at least 500 mutants over every org and kind."""
    figures = measure()
    assert figures.skipped == [], figures.skipped
    assert figures.mutants >= 500 and figures.originals >= 50
    assert all(v["mutants"] for v in figures.by_kind.values()) and OPERATORS <= set(figures.by_operator)
    assert figures.catch_rate >= GOAL_CATCH and figures.false_drop_rate <= GOAL_FALSE_DROPS, _explain(figures)


# ---------------------------------------------------------------- fast: one hand-written draft
def _original():
    from assistant.domain.models import Person
    from assistant.drafting.grounding import Facts
    from assistant.drafting.kinds.brief import claims
    from assistant.drafting.pipeline import DraftJob
    from assistant.drafting.schemas import BriefModelOut
    from assistant.evals.mutations import Original
    from tests.drafting.test_claims import ppc_assessment

    a = ppc_assessment()
    facts = Facts(sources={s for k in a.kpis for s in k.sources} | {"checkin:7", "checkin:9", "checkin:11"})
    facts.add_numbers_from(a.model_dump(mode="json"))
    acos, tacos, ntb = (["kpi:ppc-acos@2026-10-05"], ["kpi:ppc-tacos@2026-10-05"], ["kpi:ppc-ntb@2026-10-05"])
    out = BriefModelOut.model_validate({"sections": [
        {"title": "Watch", "items": [
            {"text": "ACOS (ad spend / ad-attributed sales) fell from 26.2% on 2026-09-14 to 21.9% on 2026-10-05 "
                     "while its guardrail TACOS (ad spend / total sales) rose from 11.8% to 13.5%.",
             "sources": [*acos, *tacos]},
            {"text": "The refund limit blocker has come back in 3 check-ins (2026-W36, 2026-W38, 2026-W40).",
             "sources": ["checkin:7", "checkin:9", "checkin:11"]}]},
        {"title": "What the numbers say", "items": [
            {"text": "TACOS (ad spend / total sales) was 13.5% on 2026-10-05 against a target of 10% (off target), "
                     "worsening from 11.8% on 2026-09-14.", "sources": tacos}]},
        {"title": "Recognise", "items": [
            {"text": "New-to-brand share of ad orders rose to 22.1%, above its 20% target.", "sources": ntb}]}],
        "questions": ["What drove TACOS (ad spend / total sales) up while ACOS fell?"]})
    person = Person(id=1, name=a.name, email="ppc@example.test", role=a.role, access="member")
    job = DraftJob(kind="brief", subject=person, viewer=person, period=a.week, template="brief.j2", context={},
                   schema=BriefModelOut, facts=facts, checks=claims, assessment=a)
    return Original(org="hand", kind="brief", subject=person.email, job=job, output=out, assessment=a)


def test_every_kind_of_error_in_a_correct_draft_is_made_and_caught():
    from collections import Counter

    from assistant.evals.mutations import flagged, mutants

    o = _original()
    assert flagged(o.job, o.output) == set()  # the original is right: nothing of it is dropped
    made = list(mutants(o, set()))
    assert OPERATORS == {m.operator for m in made}, Counter(m.operator for m in made)
    missed = [(m.operator, m.after) for m in made if m.where not in flagged(o.job, m.output)]
    assert missed == []
    assert all(m.after != m.before for m in made)


def test_the_figures_reach_the_json_and_html_report():
    from assistant.evals.mutations import Figures
    from assistant.evals.report import render_html, to_json
    from assistant.evals.runner import SuiteResult

    figures = Figures(originals=2, claims=40, mutants=600, caught=597,
                      by_operator={"number_swap": {"mutants": 600, "caught": 597}})
    data = to_json(SuiteResult(results=[], providers={}, record=False), mutations=figures.as_dict())
    assert data["guard_mutations"]["catch_rate"] == 0.995 and data["guard_mutations"]["passed"]
    assert "Claim guard on mutated drafts" in render_html(data)
    assert "caught 597/600 mutants (0.995" in summary(data["guard_mutations"])
