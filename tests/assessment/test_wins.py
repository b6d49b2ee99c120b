"""Wins worth recognising: never a gamed or vanity KPI, never a count on its own; a goal reached with
every condition holding; a blocker that kept coming back, now cleared."""

from __future__ import annotations

import pytest

from assistant.assessment.goals import goal_readings
from assistant.assessment.kpis import kpi_readings
from assistant.assessment.model import (
    BlockerThread,
    GoalCondition,
    GoalReading,
    GuardrailReading,
    KpiReading,
    TrendReading,
)
from assistant.assessment.wins import wins_worth_recognising
from tests.assessment.kpi_org import WEEK, kpi, load, load_demo


def reading(key="cvr", *, unit="percent", verdict="healthy", label="improving", guard: str | None = None,
            note: str | None = None) -> KpiReading:
    g = None if guard is None else GuardrailReading(
        key=f"{key}-guard", name="Guard", unit="percent", direction="down", trend=TrendReading(label=guard),
        worsened=guard == "worsening")
    return KpiReading(key=key, name=key.upper(), unit=unit, direction="up", tier="primary", verdict=verdict,
                      trend=TrendReading(label=label), guardrail=g, guardrail_note=note,
                      sources=[f"kpi:{key}@2026-11-09"])


def goal(kpi_key="cvr", *, holds=(True,), status="active") -> GoalReading:
    conds = [GoalCondition(kpi=kpi_key if i == 0 else f"other-{i}", kpi_name="x", bound=1, direction="up", value=1,
                           holds=h) for i, h in enumerate(holds)]
    on = False if False in holds else None if None in holds else True
    return GoalReading(goal_id=1, title=f"Reach the {kpi_key} target", quarter="2026-Q4", kpi=kpi_key,
                       status=status, conditions=conds, on_track=on, sources=[f"kpi:{kpi_key}@2026-11-09"])


def kinds(readings=(), goals=(), threads=(), week=None):
    return [(w.kind, w.label) for w in wins_worth_recognising(list(readings), list(goals), list(threads), week=week)]


@pytest.mark.parametrize(("r", "win"), [
    (reading(), True),
    (reading(guard="flat"), True),
    (reading(guard="worsening"), False),  # its guardrail paid for it
    (reading(verdict="gamed", guard="worsening"), False),
    (reading(verdict="vanity"), False),
    (reading(verdict="weak"), False),
    (reading(label="flat"), False),
    (reading(note="Its guardrail belongs outside your view."), False),  # nobody can say the guardrail held
    (reading(unit="count"), False),  # a volume count on its own
    (reading(unit="count", guard="unknown"), False),
    (reading(unit="count", guard="flat"), True),
])
def test_kpi_wins(r, win):
    assert kinds([r]) == ([("kpi", r.name)] if win else [])


def test_a_goal_reached_honestly():
    assert kinds([reading(label="flat")], [goal()]) == [("goal", "Reach the cvr target")]
    # the goal supersedes the same KPI's own win
    assert kinds([reading()], [goal()]) == [("goal", "Reach the cvr target")]
    assert kinds([reading(label="flat")], [goal(holds=(True, False))]) == []  # its guardrail bound broke
    assert kinds([reading(label="flat")], [goal(holds=(True, None))]) == []  # a bound nobody can read
    assert kinds([reading(label="flat")], [goal(status="missed")]) == []
    assert kinds([reading(verdict="gamed", label="flat")], [goal()]) == []
    assert kinds([reading(verdict="vanity", label="flat")], [goal()]) == []
    assert kinds([], [goal()]) == []  # a KPI outside the readings is not the viewer's to praise
    count = reading(unit="count", label="flat")
    assert kinds([count], [goal()]) == []  # a count target met alone
    assert kinds([count], [goal(holds=(True, True))]) == [("goal", "Reach the cvr target")]  # with its bound


def _thread(status="resolved", weeks=("2026-W40", "2026-W41"), resolved="2026-W43"):
    return BlockerThread(label="3PL receiving backlog", latest_text="Backlog at the 3PL", first_week=weeks[0],
                         last_week=weeks[-1], weeks=list(weeks), times=len(weeks), weeks_open=3, status=status,
                         resolved_week=resolved if status == "resolved" else None, sources=["checkin:7"])


def test_a_blocker_cleared():
    assert kinds(threads=[_thread()], week="2026-W44") == [("blocker_cleared", "3PL receiving backlog")]
    assert kinds(threads=[_thread(status="open")], week="2026-W44") == []
    assert kinds(threads=[_thread(weeks=("2026-W41",))], week="2026-W44") == []  # raised once
    assert kinds(threads=[_thread()], week="2026-W49") == []  # cleared six weeks ago: old news
    assert kinds(threads=[_thread()]) == [("blocker_cleared", "3PL receiving backlog")]


def test_the_demo_never_recognises_a_gamed_or_vanity_kpi(session):
    who = load_demo(session)
    found = {}
    for email in ("ppc@northwind.test", "creative@northwind.test", "am@northwind.test", "supply@northwind.test"):
        p = who(email)
        readings = kpi_readings(session, p, "2026-W41", p)
        goals = goal_readings(session, p, "2026-W41", readings)
        verdicts = {r.key: r.verdict for r in readings}
        for w in wins_worth_recognising(readings, goals, [], week="2026-W41"):
            assert verdicts[w.kpi] == "healthy", (email, w)
            found[w.kpi] = w.kind
    assert "ppc-acos" not in found and "creative-impressions" not in found
    assert found["am-cvr"] == "kpi" and found["am-return-rate"] == "kpi"


def test_a_count_kpi_in_an_org_needs_its_guardrail(session):
    shipped = kpi("shipped", "Orders shipped", [800, 850, 910, 980], unit="count", target=900)
    who = load(session, kpis=[shipped], role="Operations manager")
    me = who()
    (r,) = kpi_readings(session, me, WEEK, me)
    assert r.trend.label == "improving" and r.unit == "count"
    assert wins_worth_recognising([r], [], [], week=WEEK) == []


def _reached_goal_sentences(session, *, guarded: bool) -> tuple[str, str]:
    """The brief's and the feedback's sentence on a goal reached, as the offline drafts build them."""
    from assistant.assessment.build import assess
    from assistant.drafting.assessed import assessment_facts
    from assistant.drafting.offline_brief import _recognise
    from assistant.drafting.offline_feedback import _encourage

    acc = kpi("acc", "Order pick accuracy", [98.8, 99.0, 99.2, 99.3], target=99.2,
              guardrail="mispick-returns" if guarded else None)
    returns = kpi("mispick-returns", "Returns for a wrong item", [1.2, 1.2, 1.1, 1.1], direction="down", target=1.5,
                  tier="secondary")
    who = load(session, kpis=[acc, returns], role="Warehouse and 3PL coordinator", goals=[
        {"title": "Lift pick accuracy to 99.2%", "kpi": "acc", "target": 99.2}])
    facts = assessment_facts(assess(session, who(), WEEK, viewer=who()))
    assert ("goal", "acc") in [(w["kind"], w["kpi"]) for w in facts["wins_worth_recognising"]]
    kpis = {k["key"]: k for k in facts["kpis"]}
    brief = next(i.text for i in _recognise(facts, {}, []) if "role goal" in i.text)
    return brief, _encourage(facts, kpis, {}, []).text


def test_a_goal_reached_without_a_guardrail_says_nothing_of_one(session):
    brief, feedback = _reached_goal_sentences(session, guarded=False)
    assert brief == ("Order pick accuracy reached its role goal: 99.3% against its 99.2% target. "
                     "Name what they did to get there.")
    assert feedback == ("Order pick accuracy reached your role goal: 99.3% against its 99.2% target. "
                        "Keep doing what got it there.")


def test_a_goal_reached_beside_its_guardrail_says_it_held(session):
    brief, feedback = _reached_goal_sentences(session, guarded=True)
    assert "with its guardrail within bounds" in brief and "with its guardrail within bounds" in feedback
