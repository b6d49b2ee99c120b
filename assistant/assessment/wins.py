"""What is worth recognising: never a gamed or vanity KPI, never a volume count on its own.

- **A KPI** that is improving, whose audit verdict is healthy, and whose guardrail did not
  worsen. A guardrail the viewer may not see rules it out (nobody can say it held). A count
  (tests launched, units shipped, tickets closed) is recognised only beside a guardrail
  whose trend can be read and did not worsen: a pile of activity alone says nothing about
  whether the work paid.
- **A goal reached honestly**: on track with every condition holding (its target and each
  guardrail bound its title names), its status not missed or dropped, on a KPI that is
  neither gamed nor vanity, and for a count, with a bound or a guardrail holding beside it.
  A goal reached supersedes the same KPI's own win.
- **A blocker cleared**: a thread raised at least twice that is now resolved, cleared
  within ``RECENT_WEEKS`` of the week in force when that week is given.
"""

from __future__ import annotations

from assistant.assessment.model import BlockerThread, GoalReading, KpiReading, Win
from assistant.domain.calendar import weeks_back

RECENT_WEEKS = 4  # the week in force and the three before it: a clearing older than that is old news
NEVER = ("gamed", "vanity")


def _guard_held(r: KpiReading) -> bool:
    """A guardrail beside the KPI whose trend can be read and did not worsen."""
    g = r.guardrail
    return g is not None and g.trend.label in ("improving", "flat")


def kpi_win(r: KpiReading) -> bool:
    if r.verdict != "healthy" or r.trend.label != "improving" or r.guardrail_note:
        return False
    if r.guardrail is not None and r.guardrail.worsened:
        return False
    return r.unit != "count" or _guard_held(r)


def goal_win(g: GoalReading, r: KpiReading | None) -> bool:
    if g.on_track is not True or g.status in ("missed", "dropped") or r is None or r.verdict in NEVER:
        return False
    if r.guardrail is not None and r.guardrail.worsened:
        return False
    bound = any(c.kpi != r.key for c in g.conditions)  # on_track: every such bound holds
    return r.unit != "count" or bound or _guard_held(r)


def wins_worth_recognising(readings: list[KpiReading], goals: list[GoalReading], threads: list[BlockerThread],
                           *, week: str | None = None) -> list[Win]:
    """The wins by the rules in the module docstring: goals reached, then KPIs, then blockers cleared."""
    by_key = {r.key: r for r in readings}
    out = [Win(kind="goal", label=g.title, kpi=g.kpi, sources=g.sources)
           for g in goals if goal_win(g, by_key.get(g.kpi) if g.kpi else None)]
    reached = {w.kpi for w in out}
    out += [Win(kind="kpi", label=r.name, kpi=r.key, sources=r.sources)
            for r in readings if kpi_win(r) and r.key not in reached]
    recent = set(weeks_back(week, RECENT_WEEKS)) if week else None
    out += [Win(kind="blocker_cleared", label=t.label, sources=t.sources[-1:])
            for t in threads if t.status == "resolved" and t.recurring
            and (recent is None or (t.resolved_week or t.last_week) in recent)]
    return out
