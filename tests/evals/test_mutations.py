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
