"""Cadence: the person's 1:1s and check-ins, and for a manager how they run their reports'."""

from __future__ import annotations

from sqlmodel import Session, select

from assistant.analysis.cadence import SLIPPING_MEETINGS, last_meeting, lookback_span
from assistant.assessment.model import (
    BlockerThread,
    CadenceReading,
    ManagerRhythm,
    MeetingRecord,
    ReportRhythm,
    WaitingOnManager,
)
from assistant.domain.calendar import iso_week_sunday, weeks_apart
from assistant.domain.models import Person
from assistant.domain.sources import meeting_source

LONG_GAP = 4  # weeks without a held 1:1 at which the rhythm reads as broken (weekly or fortnightly 1:1s)


def cadence_reading(session: Session, person: Person, week: str) -> CadenceReading:
    span = lookback_span(session, person, week)
    last = last_meeting(session, person, on=iso_week_sunday(week))
    since = weeks_apart(last.week, week) if last else None
    return CadenceReading(
        first_week=span.first_week, last_week=span.last_week, weeks=span.weeks,
        meetings=[MeetingRecord(id=m.id, date=m.date, week=m.week, status=m.status, minutes=m.minutes,
                                source=meeting_source(m.id)) for m in span.meetings],
        held=span.meetings_held, cancelled=span.meetings_cancelled, rushed=span.meetings_rushed,
        last_held=last.date if last else None, weeks_since_held=since,
        missing_checkin_weeks=span.missing_checkin_weeks,
        slipping=span.meetings_cancelled + span.meetings_rushed >= SLIPPING_MEETINGS
        or (since is not None and since >= LONG_GAP),
        sources=span.sources,
    )


def manager_rhythm(session: Session, manager: Person, week: str,
                   threads_of: dict[int, list[BlockerThread]] | None = None) -> ManagerRhythm | None:
    """The manager's direct reports' cadence, and their open blockers that name the manager."""
    reports = session.exec(select(Person).where(Person.manager_id == manager.id).order_by(Person.name)).all()
    if not reports:
        return None
    rhythm = ManagerRhythm()
    for r in reports:
        c = cadence_reading(session, r, week)
        rhythm.reports.append(ReportRhythm(person_id=r.id, name=r.name, held=c.held, cancelled=c.cancelled,
                                           rushed=c.rushed, last_held=c.last_held,
                                           weeks_since_held=c.weeks_since_held, sources=c.sources))
        rhythm.held += c.held
        rhythm.cancelled += c.cancelled
        rhythm.rushed += c.rushed
        rhythm.sources += c.sources
        for t in (threads_of or {}).get(r.id, []):
            if t.status == "open" and any(w.person_id == manager.id for w in t.waits_on):
                rhythm.waiting_on_them.append(WaitingOnManager(person_id=r.id, name=r.name, label=t.label,
                                                               first_week=t.first_week, weeks_open=t.weeks_open,
                                                               sources=t.sources[-2:]))
    rhythm.poor = bool(rhythm.waiting_on_them) or any(
        r.cancelled + r.rushed >= SLIPPING_MEETINGS or (r.weeks_since_held or 0) >= LONG_GAP for r in rhythm.reports)
    return rhythm


