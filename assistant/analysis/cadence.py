"""Cadence health: are the 1:1s happening, and are the check-ins being filed?"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from assistant.domain.calendar import span_dates, week_of, weeks_back
from assistant.domain.models import CheckIn, Meeting, MeetingStatus, Person
from assistant.domain.sources import meeting_source

SLIPPING_MEETINGS = 3
"""Cancelled plus rushed 1:1s in a span at which the cadence reads as slipping (about one a month
over the twelve-week lookback)."""


class MeetingFact(BaseModel):
    id: int
    date: date
    week: str
    status: str
    minutes: int | None
    manager_id: int
    report_id: int


class CadenceSpan(BaseModel):
    """1:1s and check-ins over a run of ISO weeks."""

    first_week: str
    last_week: str
    weeks: int
    meetings_held: int
    meetings_cancelled: int
    meetings_rushed: int
    meetings_total: int
    weeks_without_meeting: list[str] = Field(description="Weeks with no 1:1 recorded at all.")
    missing_checkin_weeks: list[str]
    meetings: list[MeetingFact]
    sources: list[str]

    @property
    def slipping(self) -> bool:
        """Enough 1:1s cancelled or rushed in the span to raise with the manager.

        A property, not a field: the drafts' facts name the fields they carry, and this
        judgement is for pages that summarise the span in one line.
        """
        return self.meetings_cancelled + self.meetings_rushed >= SLIPPING_MEETINGS


class Cadence(BaseModel):
    """Window figures at the top level, the longer view in ``lookback``.

    ``as_manager`` is the same view of the 1:1s the person runs for their own reports
    (None when they ran none in the lookback), so a brief on a manager can show whether
    they keep their cadence.
    """

    first_week: str
    last_week: str
    meetings_held: int
    meetings_cancelled: int
    meetings_rushed: int
    missing_checkin_weeks: list[str]
    sources: list[str]
    window: CadenceSpan
    lookback: CadenceSpan
    as_manager: CadenceSpan | None = None


def _span(session: Session, person: Person, weeks: list[str], *, as_manager: bool = False) -> CadenceSpan:
    weeks = sorted(set(weeks))
    start, end = span_dates(weeks)
    who = Meeting.manager_id if as_manager else Meeting.report_id
    rows = session.exec(
        # A scheduled 1:1 has not happened: cadence counts only what was recorded.
        select(Meeting).where(who == person.id, Meeting.date >= start, Meeting.date <= end,
                              Meeting.status != MeetingStatus.scheduled.value)
        .order_by(Meeting.date, Meeting.id)
    ).all()
    filed = set(session.exec(
        select(CheckIn.week).where(CheckIn.person_id == person.id, col(CheckIn.week).in_(weeks))
    ).all())
    # Weeks before a person's first check-in ever are not "missed": they may not have joined yet.
    first = session.exec(select(func.min(CheckIn.week)).where(CheckIn.person_id == person.id)).one()
    facts = [MeetingFact(id=m.id, date=m.date, week=week_of(m.date), status=m.status, minutes=m.minutes,
                         manager_id=m.manager_id, report_id=m.report_id) for m in rows]
    met = {f.week for f in facts}
    count = {s: sum(1 for m in rows if m.status == s) for s in ("held", "cancelled", "rushed")}
    return CadenceSpan(
        first_week=weeks[0], last_week=weeks[-1], weeks=len(weeks),
        meetings_held=count["held"], meetings_cancelled=count["cancelled"], meetings_rushed=count["rushed"],
        meetings_total=len(rows), weeks_without_meeting=[w for w in weeks if w not in met],
        missing_checkin_weeks=[] if as_manager or first is None else [
            w for w in weeks if w not in filed and w >= first],
        meetings=facts, sources=[meeting_source(m.id) for m in rows],
    )


LOOKBACK_WEEKS = 12  # about a quarter


def lookback_span(session: Session, person: Person, last_week: str, *, weeks: int = LOOKBACK_WEEKS) -> CadenceSpan:
    """The quarter view on its own: ``person``'s 1:1s as the report and their check-ins over the
    ``weeks`` ISO weeks ending with ``last_week``, the span ``cadence_health`` calls ``lookback``.

    A page that shows only these counts asks for this, not the three spans of ``cadence_health``.
    """
    return _span(session, person, weeks_back(last_week, weeks))


def cadence_health(session: Session, person: Person, weeks: list[str], *,
                   lookback: int = LOOKBACK_WEEKS) -> Cadence:
    """1:1s where ``person`` is the report and their check-ins, over ``weeks`` and over the
    ``lookback`` weeks (default 12, about a quarter) ending with the last of ``weeks``.

    Counts are by the meeting's recorded status (held | cancelled | rushed); a week counts
    as missing a check-in when the person filed none for it.
    """
    win = _span(session, person, weeks)
    longer = lookback_span(session, person, win.last_week, weeks=max(lookback, win.weeks))
    managed = _span(session, person, weeks_back(win.last_week, max(lookback, win.weeks)), as_manager=True)
    return Cadence(
        first_week=win.first_week, last_week=win.last_week, meetings_held=win.meetings_held,
        meetings_cancelled=win.meetings_cancelled, meetings_rushed=win.meetings_rushed,
        missing_checkin_weeks=win.missing_checkin_weeks, sources=win.sources, window=win, lookback=longer,
        as_manager=managed if managed.meetings_total else None,
    )


TOOK_PLACE = ("held", "rushed")
"""Statuses of a 1:1 that happened (a rushed one happened, briefly)."""


def last_meeting(session: Session, person: Person, *, on: date) -> MeetingFact | None:
    """``person``'s latest 1:1 as the report that took place on or before ``on``; None if none ever did."""
    m = session.exec(
        select(Meeting).where(Meeting.report_id == person.id, col(Meeting.status).in_(TOOK_PLACE), Meeting.date <= on)
        .order_by(col(Meeting.date).desc(), col(Meeting.id).desc())
    ).first()
    if m is None:
        return None
    return MeetingFact(id=m.id, date=m.date, week=week_of(m.date), status=m.status, minutes=m.minutes,
                       manager_id=m.manager_id, report_id=m.report_id)


def managing_span(session: Session, manager: Person, last_week: str, *, weeks: int = LOOKBACK_WEEKS) -> CadenceSpan:
    """The 1:1s ``manager`` ran with their reports over the ``weeks`` ISO weeks ending with
    ``last_week``: the view ``cadence_health`` calls ``as_manager``, on its own."""
    return _span(session, manager, weeks_back(last_week, weeks), as_manager=True)
