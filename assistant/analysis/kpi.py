"""KPI facts for one person: status against target, self-report checks, goal progress.

Every number is a stored value or one of these documented computations, so the grounding
guard can trace it:

- ``value`` / ``period``: the latest stored value with period on or before the Sunday of
  the week asked for (the week's Monday + 6 days).
- ``previous_value``: the stored value before that one.
- ``trend`` and the change it cites: ``assistant.assessment.trend.read_trend`` over the last
  13 points, the one rule every page and draft labels a move by (see its docstring):
  ``improving`` / ``worsening`` / ``flat`` read here as better / worse / flat; None below 2
  points.
- ``change``: ``value - change_from_value``, where ``change_from_value`` is the trend's cited
  start point (the oldest of the last 4 points, or the first of the 13 when only the longer
  move counts), rounded to 4 places.
- ``change_pct``: ``100 * change / |change_from_value|``, rounded to 1 place (None when the
  base is 0).
- ``gap``: ``value - target``, rounded to 4 places.
- ``on_target``: direction-aware: up means ``value >= target``, down ``value <= target``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from assistant.domain.calendar import iso_week_sunday, quarter_bounds
from assistant.domain.kpis import guardrail_view, series
from assistant.domain.models import CheckIn, Kpi, Person, RoleGoal
from assistant.domain.sources import checkin_source, kpi_source

SERIES_POINTS = 13  # a quarter of weekly points plus the one before it
TREND_WORDS = {"improving": "better", "worsening": "worse", "flat": "flat"}

Point = tuple[date, float]


class KpiStatus(BaseModel):
    key: str
    name: str
    unit: str
    direction: str
    tier: str
    target: float | None
    guardrail: str | None = Field(None, description="Key of this KPI's guardrail (counter-metric), when the "
                                  "viewer may see it.")
    guardrail_note: str | None = Field(None, description="Instead of the key, for a guardrail outside the "
                                       "viewer's view.")
    objective: str | None = None
    value: float | None = None
    period: date | None = None
    previous_value: float | None = None
    previous_period: date | None = None
    change_from_value: float | None = None
    change_from_period: date | None = None
    change: float | None = None
    change_pct: float | None = None
    gap: float | None = Field(None, description="value - target")
    on_target: bool | None = None
    trend: Literal["better", "worse", "flat"] | None = None
    series: list[Point] = Field(default_factory=list, description="Up to the last 13 (period, value) points.")
    sources: list[str] = Field(default_factory=list)


class Mismatch(BaseModel):
    kpi: str
    kpi_name: str
    week: str
    said: str
    kind: Literal["optimistic", "pessimistic", "unclear"]
    actual: float
    target: float
    direction: str
    period: date
    gap: float = Field(description="actual - target")
    checkin_id: int
    sources: list[str]


class GoalProgress(BaseModel):
    goal_id: int
    title: str
    kpi: str | None
    objective: str | None
    target: float | None
    direction: str | None
    baseline_value: float | None = Field(None, description="Latest value before the quarter began.")
    baseline_period: date | None = None
    latest_value: float | None
    latest_period: date | None
    status: str
    on_track: bool | None
    sources: list[str]


def on_target(value: float | None, target: float | None, direction: str) -> bool | None:
    """Whether ``value`` meets ``target`` for a KPI whose better direction is ``direction``."""
    if value is None or target is None:
        return None
    return value <= target if direction == "down" else value >= target


MISMATCH_TOLERANCE = 0.02  # within 2% of the target either way, a self-report is not contradicted


def _r(x: float, places: int = 4) -> float:
    return round(x, places) + 0.0  # + 0.0 turns -0.0 into 0.0


def latest_at(points: list[Point], until: date) -> Point | None:
    """The last point with period on or before ``until`` (points sorted by period)."""
    for p in reversed(points):
        if p[0] <= until:
            return p
    return None


def kpi_status(session: Session, person: Person, week: str, *, viewer: Person | None = None) -> list[KpiStatus]:
    """Status of each KPI ``person`` owns, as of the end of ``week``; primary KPIs first.
    A guardrail is named only if ``viewer`` (default: ``person``) may see it."""
    kpis = session.exec(select(Kpi).where(Kpi.owner_id == person.id).order_by(Kpi.id)).all()
    kpis = sorted(kpis, key=lambda k: (k.tier != "primary", k.id))
    return [kpi_status_of(session, kpi, week, viewer=viewer or person) for kpi in kpis]


def kpi_status_of(session: Session, kpi: Kpi, week: str, *, viewer: Person | None = None) -> KpiStatus:
    """One KPI's status as of the end of ``week`` (a page about one KPI, or its guardrail);
    its guardrail as ``viewer`` may know it (``kpis.guardrail_view``; None: as its owner)."""
    guard, note = guardrail_view(session, viewer, kpi)
    pts = series(session, kpi.id, until=iso_week_sunday(week))
    st = KpiStatus(key=kpi.key, name=kpi.name, unit=kpi.unit, direction=kpi.direction, tier=kpi.tier,
                   target=kpi.target, guardrail=guard.key if guard else None, guardrail_note=note,
                   objective=kpi.objective_key, series=pts[-SERIES_POINTS:])
    if pts:
        st.period, st.value = pts[-1]
        st.sources.append(kpi_source(kpi.key, st.period))
        st.gap = _r(st.value - kpi.target) if kpi.target is not None else None
        st.on_target = on_target(st.value, kpi.target, kpi.direction)
    if len(pts) >= 2:
        st.previous_period, st.previous_value = pts[-2]
        # The assessment imports this module, so its trend rule is imported when first used.
        from assistant.assessment.model import Point as Cited
        from assistant.assessment.trend import read_trend

        t = read_trend([Cited(period=p, value=v, source=kpi_source(kpi.key, p)) for p, v in st.series],
                       kpi.direction)
        st.trend = TREND_WORDS.get(t.label)
        if t.start is not None:
            st.change_from_period, st.change_from_value = t.start.period, t.start.value
            st.change, st.change_pct = t.change, t.change_pct
            st.sources.append(t.start.source)
    return st


def self_report_mismatches(session: Session, person: Person, weeks: list[str], *,
                           include_unclear: bool = False) -> list[Mismatch]:
    """Check-in metric statuses the numbers contradict.

    For each check-in of ``person`` in ``weeks`` and each metric marked ``on_track`` while
    the KPI is off target (kind 'optimistic') or ``off_track`` while on target
    ('pessimistic'). The value compared is the latest with period on or before the
    check-in week's Sunday: the week's own value, else the latest before it. KPIs without
    a target or a value are skipped. With ``include_unclear``, metrics marked ``unclear``
    while off target are returned too (kind 'unclear').
    """
    checkins = session.exec(
        select(CheckIn).where(CheckIn.person_id == person.id, col(CheckIn.week).in_(list(weeks)))
        .order_by(CheckIn.week)
    ).all()
    keys = {k for c in checkins for k in (c.metrics or {})}
    # Only the person's own KPIs: a key a check-in kept after its KPI changed hands names
    # someone else's series now.
    kpis = ({k.key: k for k in session.exec(select(Kpi).where(col(Kpi.key).in_(keys), Kpi.owner_id == person.id))}
            if keys else {})
    cache: dict[int, list[Point]] = {}
    out = []
    for c in checkins:
        for key, said in sorted((c.metrics or {}).items()):
            kpi = kpis.get(key)
            if kpi is None or kpi.target is None:
                continue
            if kpi.id not in cache:
                cache[kpi.id] = series(session, kpi.id)
            point = latest_at(cache[kpi.id], iso_week_sunday(c.week))
            if point is None:
                continue
            hit = on_target(point[1], kpi.target, kpi.direction)
            if abs(point[1] - kpi.target) <= MISMATCH_TOLERANCE * abs(kpi.target):
                continue  # a hair either side of the target is not a contradiction worth raising
            kind = ("optimistic" if said == "on_track" and not hit
                    else "pessimistic" if said == "off_track" and hit
                    else "unclear" if include_unclear and said == "unclear" and not hit
                    else None)
            if kind is None:
                continue
            out.append(Mismatch(kpi=key, kpi_name=kpi.name, week=c.week, said=said, kind=kind, actual=point[1],
                                target=kpi.target, direction=kpi.direction, period=point[0],
                                gap=_r(point[1] - kpi.target), checkin_id=c.id,
                                sources=[checkin_source(c.id), kpi_source(key, point[0])]))
    return out


def goal_progress(session: Session, person: Person, quarter: str) -> list[GoalProgress]:
    """Each of ``person``'s role goals for ``quarter`` with the KPI's latest value in it.

    ``latest_value`` is the last value on or before the quarter's last day; ``target`` is
    the goal's own target, else the KPI's; ``on_track`` is direction-aware (None when the
    goal has no KPI, no target or no value yet). ``status`` is the goal's recorded status.
    """
    start, end = quarter_bounds(quarter)
    goals = session.exec(
        select(RoleGoal).where(RoleGoal.person_id == person.id, RoleGoal.quarter_id == quarter).order_by(RoleGoal.id)
    ).all()
    out = []
    for g in goals:
        kpi = session.get(Kpi, g.kpi_id) if g.kpi_id else None
        target = g.target if g.target is not None else (kpi.target if kpi else None)
        latest = baseline = None
        if kpi is not None:
            pts = series(session, kpi.id, until=end)
            latest = pts[-1] if pts and pts[-1][0] >= start else None
            before = [p for p in pts if p[0] < start]
            baseline = before[-1] if before else None
        out.append(GoalProgress(
            goal_id=g.id, title=g.title, kpi=kpi.key if kpi else None, objective=g.objective_key, target=target,
            direction=kpi.direction if kpi else None,
            baseline_value=baseline[1] if baseline else None, baseline_period=baseline[0] if baseline else None,
            latest_value=latest[1] if latest else None, latest_period=latest[0] if latest else None,
            status=g.status, on_track=on_target(latest[1] if latest else None, target, kpi.direction if kpi else "up"),
            sources=[kpi_source(kpi.key, p[0]) for p in (baseline, latest) if kpi and p],
        ))
    return out
