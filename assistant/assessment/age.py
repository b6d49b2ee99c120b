"""How old the record is, as of the week in force."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from assistant.assessment.model import DataAge
from assistant.domain.calendar import current_week, iso_week_sunday, week_of, weeks_apart
from assistant.domain.models import CheckIn, Kpi, KpiValue, Person

CHECKIN_GRACE = 1  # last week's check-in is current until this week's is due
KPI_GRACE = {"daily": 2, "weekly": 2, "monthly": 6, "quarterly": 15, "yearly": 56}
"""Weeks a KPI's latest value may lag the week in force, by how often it is reported (a
weekly KPI loaded a week late is still current; a monthly one covers the month before)."""

_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def ago(weeks: int) -> str:
    """How long ago, in words up to twelve weeks (a note's figure is then the week it names, not a count)."""
    if weeks <= 0:
        return "this week"
    if weeks == 1:
        return "last week"
    return f"{_WORDS[weeks - 2]} weeks ago" if weeks - 2 < len(_WORDS) else f"{weeks} weeks ago"


def data_age(session: Session, person: Person, week: str) -> DataAge:
    """The latest check-in and KPI value on or before ``week`` and how far behind it they are."""
    end = iso_week_sunday(week)
    last_checkin = session.exec(select(func.max(CheckIn.week)).where(CheckIn.person_id == person.id,
                                                                     CheckIn.week <= week)).one()
    # The period bound sits in the join: a KPI whose only values are later still counts as one without a value.
    latest = session.exec(
        select(Kpi.id, Kpi.frequency, func.max(KpiValue.period))
        .join(KpiValue, (KpiValue.kpi_id == Kpi.id) & (KpiValue.period <= end), isouter=True)
        .where(Kpi.owner_id == person.id).group_by(Kpi.id, Kpi.frequency)).all()
    has_kpis = bool(latest)
    periods = [p for _, _, p in latest if p is not None]
    last_value: date | None = max(periods) if periods else None
    lagging = [(p, f) for _, f, p in latest if p is not None
               and weeks_apart(week_of(p), week) > KPI_GRACE.get(f or "weekly", 2)]
    age = DataAge(week=week, current_week=current_week(), last_checkin_week=last_checkin, last_kpi_period=last_value)
    if last_checkin is None:
        age.notes.append(f"no check-in on record up to {week}")
        age.stale = True
    else:
        age.checkin_weeks_ago = weeks_apart(last_checkin, week)
        if age.checkin_weeks_ago > CHECKIN_GRACE:
            age.stale = True
            age.notes.append(f"last check-in {last_checkin}, {ago(age.checkin_weeks_ago)}")
    if has_kpis:
        if last_value is None:
            age.stale = True
            age.notes.append(f"no KPI value on record up to {week}")
        else:
            age.kpi_weeks_ago = weeks_apart(week_of(last_value), week)
            if lagging and len(lagging) == len(periods):
                age.stale = True
                age.notes.append(f"no KPI value since {last_value.isoformat()}, {ago(age.kpi_weeks_ago)}")
    return age
