"""Cadence: the person's 1:1s and check-ins, and for a manager how they run their reports'.

One set of numbers over the lookback (twelve ISO weeks ending with the week in force), read
by the Team page and the brief alike:

- ``held`` / ``cancelled`` / ``rushed``: recorded 1:1s where the person is the report, by
  status (a scheduled 1:1 has not happened and is not counted).
- ``last_held`` / ``weeks_since_held``: the latest 1:1 that took place (held, or rushed:
  it happened, briefly) on or before the week in force, whenever it was, and the weeks from
  it to the week in force: the current streak without a 1:1.
- ``interval_weeks``: the person's usual rhythm, the median gap between the weeks of their
  latest recorded 1:1s (cancelled ones included: they show the rhythm that was intended).
- ``missed_in_a_row``: the 1:1s that rhythm expected between the last one and the week in
  force, this week's counted only once it is recorded cancelled (until then it may still happen).
- ``slipping``: ``SLIPPING_MEETINGS`` cancelled or rushed in the lookback, or
  ``MISSED_IN_A_ROW`` expected 1:1s missed back to back, or ``MISSED_OF_RECENT`` of the latest
  ``RECENT`` recorded 1:1s cancelled (cancel, hold one, cancel again: the rhythm is breaking
  even with no streak). One missed meeting is never slipping: a weekly 1:1 skipped once, or a
  fortnightly one skipped once, is a week off.
- ``missing_checkin_weeks``: lookback weeks since their first check-in ever with none filed;
  the week in force is left out while it is still running (its check-in is not late yet).
"""

from __future__ import annotations

from statistics import median

from sqlmodel import Session, col, select

from assistant.analysis.cadence import SLIPPING_MEETINGS, TOOK_PLACE, MeetingFact, last_meeting, lookback_span
from assistant.assessment.model import (
    BlockerThread,
    CadenceReading,
    ManagerRhythm,
    MeetingRecord,
    ReportRhythm,
    WaitingOnManager,
)
from assistant.domain.calendar import current_week, iso_week_sunday, week_of, weeks_apart
from assistant.domain.models import Meeting, MeetingStatus, Person
from assistant.domain.sources import meeting_source

MISSED_IN_A_ROW = 2
"""Expected 1:1s missed back to back at which the streak reads as slipping."""
RHYTHM_MEETINGS = 7
"""Recorded 1:1s the usual interval is read from (six gaps: about a quarter of fortnightly 1:1s)."""
MAX_INTERVAL = 4
"""The longest rhythm read as one (monthly); a longer gap is a lapse, not a rhythm."""
MISSED_OF_RECENT, RECENT = 2, 3
"""Cancelled among the latest recorded 1:1s at which they read as slipping."""
LONG_WAIT = 2
"""Weeks an open blocker may wait on the manager before it counts against their rhythm."""


def recent_meetings(session: Session, person: Person, week: str) -> list[Meeting]:
    """The person's latest ``RHYTHM_MEETINGS`` recorded 1:1s as the report up to ``week``, newest first."""
    return list(session.exec(
        select(Meeting).where(Meeting.report_id == person.id, Meeting.date <= iso_week_sunday(week),
                              Meeting.status != MeetingStatus.scheduled.value)
        .order_by(col(Meeting.date).desc(), col(Meeting.id).desc()).limit(RHYTHM_MEETINGS)).all())


def usual_interval(recent: list[Meeting]) -> int:
    """Weeks between 1:1s as they usually run: the median gap between the weeks of ``recent``
    (cancelled ones included: they show the rhythm that was intended); weekly when too few to tell."""
    weeks = sorted({week_of(m.date) for m in recent})
    gaps = [weeks_apart(a, b) for a, b in zip(weeks, weeks[1:], strict=False)]
    if not gaps:
        return 1
    return max(1, min(MAX_INTERVAL, round(median(gaps))))


def missed_since(weeks_since: int | None, interval: int) -> int:
    """Expected 1:1s missed in a streak of ``weeks_since`` weeks at one every ``interval`` weeks,
    the one due in the week in force not yet counted."""
    if not weeks_since:
        return 0
    return (weeks_since - 1) // interval


def cadence_reading(session: Session, person: Person, week: str) -> CadenceReading:
    span = lookback_span(session, person, week)
    recent = recent_meetings(session, person, week)
    took_place = next((m for m in recent if m.status in TOOK_PLACE), None)
    # Seven cancelled in a row hide the last one that happened: look further back for it.
    last = (MeetingFact(id=took_place.id, date=took_place.date, week=week_of(took_place.date),
                        status=took_place.status, minutes=took_place.minutes, manager_id=took_place.manager_id,
                        report_id=took_place.report_id) if took_place
            else last_meeting(session, person, on=iso_week_sunday(week)) if len(recent) == RHYTHM_MEETINGS else None)
    since = weeks_apart(last.week, week) if last else None
    interval = usual_interval(recent)
    # This week's 1:1 may still happen, unless it is already on record as cancelled.
    missed = missed_since(since, interval) + (since is not None and since > 0 and any(
        m.status == "cancelled" and week_of(m.date) == week for m in recent))
    running = week >= current_week()
    return CadenceReading(
        first_week=span.first_week, last_week=span.last_week, weeks=span.weeks,
        meetings=[MeetingRecord(id=m.id, date=m.date, week=m.week, status=m.status, minutes=m.minutes,
                                source=meeting_source(m.id)) for m in span.meetings],
        held=span.meetings_held, cancelled=span.meetings_cancelled, rushed=span.meetings_rushed,
        last_held=last.date if last else None, last_status=last.status if last else None,
        weeks_since_held=since, interval_weeks=interval, missed_in_a_row=missed,
        missing_checkin_weeks=[w for w in span.missing_checkin_weeks if not (running and w == week)],
        slipping=(span.meetings_cancelled + span.meetings_rushed >= SLIPPING_MEETINGS or missed >= MISSED_IN_A_ROW
                  or sum(m.status == "cancelled" for m in recent[:RECENT]) >= MISSED_OF_RECENT),
        sources=span.sources + [s for s in ([meeting_source(last.id)] if last else []) if s not in span.sources],
    )


def manager_rhythm(session: Session, manager: Person, week: str,
                   threads_of: dict[int, list[BlockerThread]] | None = None,
                   cadences: dict[int, CadenceReading] | None = None) -> ManagerRhythm | None:
    """The manager's direct reports' cadence, and their open blockers that name the manager.

    ``threads_of`` and ``cadences`` (by report id) are what the caller already read for each
    report (the Team page has every report's assessment); a report missing from them is read here.
    ``poor``: a report's 1:1s are slipping, or an open blocker has waited on the manager for
    ``LONG_WAIT`` weeks or come back; a blocker raised once this week is not yet their failure.
    """
    reports = session.exec(select(Person).where(Person.manager_id == manager.id).order_by(Person.name)).all()
    if not reports:
        return None
    rhythm = ManagerRhythm()
    long_waits = False
    for r in reports:
        c = (cadences or {}).get(r.id) or cadence_reading(session, r, week)
        rhythm.reports.append(ReportRhythm(person_id=r.id, name=r.name, held=c.held, cancelled=c.cancelled,
                                           rushed=c.rushed, last_held=c.last_held,
                                           weeks_since_held=c.weeks_since_held, slipping=c.slipping,
                                           sources=c.sources))
        rhythm.held += c.held
        rhythm.cancelled += c.cancelled
        rhythm.rushed += c.rushed
        rhythm.sources += c.sources
        for t in (threads_of or {}).get(r.id, []):
            if t.status == "open" and any(w.person_id == manager.id for w in t.waits_on):
                rhythm.waiting_on_them.append(WaitingOnManager(person_id=r.id, name=r.name, label=t.label,
                                                               first_week=t.first_week, weeks_open=t.weeks_open,
                                                               sources=t.sources[-2:]))
                long_waits = long_waits or t.recurring or t.weeks_open >= LONG_WAIT
    rhythm.poor = long_waits or any(r.slipping for r in rhythm.reports)
    return rhythm
