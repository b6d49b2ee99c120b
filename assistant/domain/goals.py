"""Role goals: set by founders (anyone) and managers (their reports), and closed when their
quarter ends: each active goal with a KPI and a target becomes achieved or missed on the KPI's
last value inside the quarter (its final value), which next quarter's suggestions read."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from assistant.domain.calendar import quarter_bounds, today
from assistant.domain.kpis import series
from assistant.domain.models import GoalStatus, Kpi, Objective, Person, Quarter, RoleGoal
from assistant.domain.quarters import require_founder
from assistant.domain.schemas import GoalClosed, GoalCreate, GoalPublic, GoalUpdate
from assistant.domain.team import (
    can_see,
    is_manager_of,
    person_scope,
    visible_people,
    visible_person_by_email,
)
from assistant.errors import Forbidden, InvalidInput, NotFound


def _may_set_goals(session: Session, viewer: Person, person_id: int) -> bool:
    return viewer.access == "founder" or is_manager_of(session, viewer, person_id)


def plannable_people(session: Session, viewer: Person) -> list[Person]:
    """The people whose role goals the viewer sets: managers first, then by name."""
    people = [p for p in visible_people(session, viewer).values() if _may_set_goals(session, viewer, p.id)]
    return sorted(people, key=lambda p: (p.access != "manager", p.name))


def quarter_ids(session: Session) -> list[str]:
    """Every planned quarter, newest first."""
    return sorted(session.exec(select(Quarter.id)).all(), reverse=True)


def quarter_objectives(session: Session, quarter: str) -> list[Objective]:
    """The company objectives of ``quarter``, in the order they were set."""
    return list(session.exec(select(Objective).where(Objective.quarter_id == quarter).order_by(Objective.id)).all())


def create_goal(session: Session, viewer: Person, body: GoalCreate) -> RoleGoal:
    person = visible_person_by_email(session, viewer, body.person)
    if not _may_set_goals(session, viewer, person.id):
        raise Forbidden("only a founder or the person's manager sets role goals")
    if session.get(Quarter, body.quarter) is None:
        # Making the quarter here would plan it with no objectives, and the audit would then
        # read "no objectives in force" for every KPI once that quarter began.
        raise InvalidInput(f"quarter: {body.quarter} is not planned yet; plan it first (add an objective "
                           f"with POST /api/quarters/{body.quarter}/objectives, or list it in the org file)")
    kpi_id = None
    if body.kpi:
        kpi = session.exec(select(Kpi).where(Kpi.key == body.kpi)).first()
        if kpi is None or (kpi.owner_id is not None and not can_see(session, viewer, kpi.owner_id)):
            raise InvalidInput(f"kpi: unknown KPI {body.kpi!r}")
        kpi_id = kpi.id
    goal = RoleGoal(person_id=person.id, quarter_id=body.quarter, title=body.title, kpi_id=kpi_id,
                    target=body.target, objective_key=body.objective, status=body.status.value)
    session.add(goal)
    session.flush()
    return goal


def get_visible_goal(session: Session, viewer: Person, goal_id: int) -> RoleGoal:
    goal = session.get(RoleGoal, goal_id)
    if goal is None or not can_see(session, viewer, goal.person_id):
        raise NotFound("goal not found")
    return goal


def update_goal(session: Session, viewer: Person, goal_id: int, body: GoalUpdate) -> RoleGoal:
    goal = get_visible_goal(session, viewer, goal_id)
    if not _may_set_goals(session, viewer, goal.person_id):
        raise Forbidden("only a founder or the person's manager changes role goals")
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(goal, field, value.value if hasattr(value, "value") else value)
    session.add(goal)
    return goal


def visible_goals(session: Session, viewer: Person, *, person_id: int | None = None,
                  quarter: str | None = None) -> list[RoleGoal]:
    q = select(RoleGoal)
    if (scope := person_scope(session, viewer, RoleGoal.person_id)) is not None:
        q = q.where(scope)
    if person_id is not None:
        q = q.where(RoleGoal.person_id == person_id)
    if quarter:
        q = q.where(RoleGoal.quarter_id == quarter)
    return list(session.exec(q.order_by(RoleGoal.quarter_id, RoleGoal.id)).all())


def goal_public(session: Session, goal: RoleGoal) -> GoalPublic:
    kpi = session.get(Kpi, goal.kpi_id) if goal.kpi_id else None
    return GoalPublic(id=goal.id, person_id=goal.person_id, quarter=goal.quarter_id, title=goal.title,
                      kpi=kpi.key if kpi else None, target=goal.target, objective=goal.objective_key,
                      status=goal.status)


# ---------------------------------------------------------------- closing a quarter
def final_value(session: Session, goal: RoleGoal) -> tuple[date, float] | None:
    """The goal's KPI's last value dated inside the goal's quarter (None: no KPI or no value there)."""
    if goal.kpi_id is None:
        return None
    start, end = quarter_bounds(goal.quarter_id)
    inside = [p for p in series(session, goal.kpi_id, until=end) if start <= p[0] <= end]
    return inside[-1] if inside else None


def meets(value: float, target: float, direction: str) -> bool:
    """Whether ``value`` reaches ``target`` in the KPI's better direction (``down``: at or under it)."""
    return value <= target if direction == "down" else value >= target


def outcome(session: Session, goal: RoleGoal, *, day: date | None = None) -> GoalClosed:
    """How ``goal`` ended, or stands: its recorded status, except that an active goal of an ended
    quarter is judged on its final value (achieved / missed, and by how much)."""
    kpi = session.get(Kpi, goal.kpi_id) if goal.kpi_id else None
    final = final_value(session, goal)
    status, gap, note = GoalStatus(goal.status), None, ""
    ended = quarter_bounds(goal.quarter_id)[1] < (day or today())
    if kpi is not None and goal.target is not None and final is not None:
        gap = round(abs(final[1] - goal.target), 2)
        hit = meets(final[1], goal.target, kpi.direction)
        if status == GoalStatus.active and ended:
            status = GoalStatus.achieved if hit else GoalStatus.missed
        unit = " points" if kpi.unit == "percent" else ""
        by = "" if gap == 0 else f" by {gap:g}{unit}"
        note = {GoalStatus.achieved: f"achieved: final {final[1]:g} against {goal.target:g}",
                GoalStatus.missed: f"missed{by}: final {final[1]:g} against {goal.target:g}",
                GoalStatus.dropped: f"dropped (final {final[1]:g} against {goal.target:g})",
                }.get(status, f"active: latest {final[1]:g} against {goal.target:g}")
    elif status == GoalStatus.active and ended:
        note = ("still open: it has no target to judge it by; close it as achieved, missed or dropped by hand"
                if goal.target is None or kpi is None else
                f"still open: {kpi.name} has no value dated in {goal.quarter_id}; close it by hand")
    else:
        note = status.value
    return GoalClosed(id=goal.id, person_id=goal.person_id, quarter=goal.quarter_id, title=goal.title,
                      kpi=kpi.key if kpi else None, target=goal.target, objective=goal.objective_key,
                      final_value=final[1] if final else None,
                      final_period=final[0] if final else None, status=status, gap=gap, note=note)


def close_quarter(session: Session, viewer: Person, quarter: str, *, day: date | None = None) -> list[GoalClosed]:
    """Close ``quarter``'s goals once it has ended: each active one that can be judged is stored as
    achieved or missed (closing twice changes nothing); the rest stay active and say why."""
    require_founder(viewer, "closes a quarter's goals")
    end = quarter_bounds(quarter)[1]
    if end >= (day or today()):
        raise InvalidInput(f"quarter: {quarter} ends on {end.isoformat()}; its goals close after that")
    goals = session.exec(select(RoleGoal).where(RoleGoal.quarter_id == quarter).order_by(RoleGoal.id)).all()
    out = []
    for goal in goals:
        closed = outcome(session, goal, day=day)
        if closed.status.value != goal.status:
            goal.status = closed.status.value
            session.add(goal)
        out.append(closed)
    session.flush()
    return out


# ---------------------------------------------------------------- pace through the quarter
# Pure arithmetic, here rather than in drafting so the assessment can read a goal's pace: the
# assessment sits below drafting, whose package imports the assessment.
class Pace(BaseModel):
    """Where a goal in force stands against a straight line from its baseline to its target."""

    expected: float = Field(description="The value the straight line reaches at the share of the quarter elapsed.")
    progress: float | None = Field(description="Share of the way from baseline to target covered (1.0 = there); "
                                   "None when the baseline already met the target.")
    on_pace: bool = Field(description="The latest value is at or past ``expected`` in the KPI's better direction.")
    behind_by: float = Field(description="How far the latest value trails ``expected`` (0 when on pace).")


def elapsed_share(day: date, start: date, end: date) -> float:
    """The share of the quarter ``start``..``end`` (both inclusive) gone by the end of ``day``, 0-1."""
    total = (end - start).days + 1
    return min(max(((day - start).days + 1) / total, 0.0), 1.0)


def pace(baseline: float, target: float, latest: float, share: float, direction: str) -> Pace:
    """Whether ``latest`` is on pace for ``target``: the line from ``baseline`` (the quarter's start)
    to ``target`` (its end) read at ``share`` of the quarter (``elapsed_share``). A goal whose
    baseline already meets its target is on pace while the latest value still meets it."""
    better = -1.0 if direction == "down" else 1.0
    share = min(max(share, 0.0), 1.0)
    if (target - baseline) * better <= 0:  # met before the quarter began: hold the target
        expected, progress = target, None
    else:
        expected = round(baseline + (target - baseline) * share, 4) + 0.0
        progress = round((latest - baseline) / (target - baseline), 4) + 0.0
    behind = max(0.0, (expected - latest) * better)
    return Pace(expected=round(expected, 2) + 0.0, progress=progress, on_pace=behind == 0,
                behind_by=round(behind, 2) + 0.0)
