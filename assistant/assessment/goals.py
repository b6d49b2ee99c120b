"""Role goals in force and their progress, compound conditions included."""

from __future__ import annotations

from sqlmodel import Session

from assistant.analysis.kpi import goal_progress
from assistant.assessment.model import GoalCondition, GoalReading, KpiReading
from assistant.domain.calendar import iso_week_monday, quarter_of
from assistant.domain.models import Person


def goal_readings(session: Session, person: Person, week: str, readings: list[KpiReading]) -> list[GoalReading]:
    """The quarter's goals for ``person``: each KPI target (and guardrail bound) as a condition."""
    quarter = quarter_of(iso_week_monday(week))
    by_key = {r.key: r for r in readings}
    out = []
    for g in goal_progress(session, person, quarter):
        conds = []
        k = by_key.get(g.kpi) if g.kpi else None
        if k is not None and g.target is not None:
            holds = None if g.latest_value is None else (
                g.latest_value <= g.target if k.direction == "down" else g.latest_value >= g.target)
            conds.append(GoalCondition(kpi=k.key, kpi_name=k.name, bound=g.target, direction=k.direction,
                                       value=g.latest_value, period=g.latest_period, holds=holds,
                                       sources=g.sources[-1:]))
        known = [c.holds for c in conds if c.holds is not None]
        out.append(GoalReading(goal_id=g.goal_id, title=g.title, quarter=quarter, kpi=g.kpi, objective=g.objective,
                               status=g.status, target=g.target, baseline_value=g.baseline_value,
                               baseline_period=g.baseline_period, latest_value=g.latest_value,
                               latest_period=g.latest_period, conditions=conds,
                               on_track=all(known) if known else None, sources=g.sources))
    return out
