"""Quarters and their objectives: which quarter is in force, which one is being planned, and
the objectives founders create, edit and retire for any quarter.

The quarter in force is always the calendar's (``quarter_of(today())``); a quarter row exists
because someone planned it or filed a goal in it, and never decides which quarter is now.
Planning looks ahead: past the current quarter's midpoint, the quarter being planned is the
next one, listed even before it has a single objective.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from assistant.domain.calendar import check_quarter, next_quarter, quarter_bounds, quarter_of, today
from assistant.domain.models import Objective, Person, Quarter
from assistant.domain.schemas import ObjectiveCreate, ObjectivePublic, ObjectiveUpdate, QuarterPublic
from assistant.errors import Conflict, Forbidden, NotFound


def quarter_in_force(day: date | None = None) -> str:
    """The calendar's quarter on ``day`` (default: ``today()``, which honours CADENCE_TODAY)."""
    return quarter_of(day or today())


def past_midpoint(day: date | None = None) -> bool:
    """Whether ``day`` is past the middle of its quarter (the day that halves it falls in the second half)."""
    day = day or today()
    start, end = quarter_bounds(quarter_of(day))
    return (day - start) * 2 > (end - start)


def planning_quarter(day: date | None = None) -> str:
    """The quarter a founder is planning on ``day``: the next one once the current is past its
    midpoint (a month and a half is when next quarter's goals get agreed), else the current one."""
    day = day or today()
    now = quarter_of(day)
    return next_quarter(now) if past_midpoint(day) else now


def require_founder(viewer: Person, what: str) -> None:
    if viewer.access != "founder":
        raise Forbidden(f"only a founder {what}")


def quarter_objectives(session: Session, quarter: str, *, retired: bool = False) -> list[Objective]:
    """``quarter``'s objectives in the order they were set; retired ones only when asked."""
    q = select(Objective).where(Objective.quarter_id == quarter)
    if not retired:
        q = q.where(Objective.retired == False)  # noqa: E712 - a SQL comparison, not a Python one
    return list(session.exec(q.order_by(Objective.id)).all())


def list_quarters(session: Session, day: date | None = None) -> list[QuarterPublic]:
    """Every planned quarter plus the current and the next one, newest first, with how many
    objectives each has in force."""
    now = quarter_in_force(day)
    after = next_quarter(now)
    ids = set(session.exec(select(Quarter.id)).all()) | {now, after}
    counts: dict[str, int] = {}
    for o in session.exec(select(Objective).where(Objective.retired == False)):  # noqa: E712
        counts[o.quarter_id] = counts.get(o.quarter_id, 0) + 1
    return [QuarterPublic(id=q, current=q == now, next=q == after, objectives=counts.get(q, 0))
            for q in sorted(ids, reverse=True)]


def objective_public(o: Objective) -> ObjectivePublic:
    return ObjectivePublic(id=o.id, quarter=o.quarter_id, key=o.key, title=o.title, retired=o.retired)


def create_objective(session: Session, viewer: Person, quarter: str, body: ObjectiveCreate) -> Objective:
    """Add an objective to ``quarter`` (the quarter row is made on first use); a key already
    used in that quarter is a Conflict, retired or not, so a goal's objective key stays unambiguous."""
    require_founder(viewer, "sets the quarter's objectives")
    quarter = check_quarter(quarter)
    if session.get(Quarter, quarter) is None:
        session.add(Quarter(id=quarter))
    taken = session.exec(select(Objective).where(Objective.quarter_id == quarter, Objective.key == body.key)).first()
    if taken is not None:
        raise Conflict(f"objective {body.key!r} already exists in {quarter}"
                       + (" (retired: un-retire it instead)" if taken.retired else ""))
    row = Objective(quarter_id=quarter, key=body.key, title=body.title)
    session.add(row)
    session.flush()
    return row


def get_objective(session: Session, quarter: str, objective_id: int) -> Objective:
    row = session.get(Objective, objective_id)
    if row is None or row.quarter_id != check_quarter(quarter):
        raise NotFound(f"objective {objective_id} not found in {quarter}")
    return row


def update_objective(session: Session, viewer: Person, quarter: str, objective_id: int,
                     body: ObjectiveUpdate) -> Objective:
    """Reword or retire (or un-retire) one of ``quarter``'s objectives."""
    require_founder(viewer, "changes the quarter's objectives")
    row = get_objective(session, quarter, objective_id)
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, field, value)
    session.add(row)
    session.flush()
    return row
