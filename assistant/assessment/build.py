"""``assess``: the one judgement of a person's week, built from SQL in one place."""

from __future__ import annotations

from sqlmodel import Session, select

from assistant.analysis.text import priority_follow_through
from assistant.assessment.age import data_age
from assistant.assessment.cadence import cadence_reading, manager_rhythm
from assistant.assessment.goals import goal_readings
from assistant.assessment.kpis import kpi_readings
from assistant.assessment.model import Assessment, FollowThrough, WaitsOn
from assistant.assessment.quality import checkin_quality
from assistant.assessment.selfreport import self_report_runs
from assistant.assessment.threads import blocker_threads, people_named
from assistant.assessment.wins import wins_worth_recognising
from assistant.domain.calendar import current_week, weeks_back
from assistant.domain.models import CheckIn, Person
from assistant.domain.team import visible_person_ids

WINDOW = 4  # the week in force and the three before it


def as_seen(waits: list[WaitsOn], visible: set[int]) -> list[WaitsOn]:
    """Who a blocker waits on, as the viewer may know them: someone outside the viewer's view is
    named by their place ("your manager", their role), never by name."""
    out = []
    for w in waits:
        if w.person_id is None or w.person_id in visible:
            out.append(w)
        else:
            out.append(WaitsOn(name="your manager" if w.is_manager else f"the {w.role or 'colleague'}",
                               is_manager=w.is_manager))
    return out


def assess(session: Session, person: Person, week: str | None = None, *, viewer: Person | None = None) -> Assessment:
    """The assessment of ``person``'s ``week`` (default: the clock's week) as ``viewer``
    (default: the person) may know it: KPIs and guardrails outside the viewer's view stay out."""
    viewer = viewer or person
    week = week or current_week()
    window = weeks_back(week, WINDOW)
    readings = kpi_readings(session, person, week, viewer)
    goals = goal_readings(session, person, week, readings)
    visible = visible_person_ids(session, viewer)
    threads = [t.model_copy(update={"waits_on": as_seen(t.waits_on, visible)})
               for t in blocker_threads(session, person, week, readings)]
    checkin = session.exec(select(CheckIn).where(CheckIn.person_id == person.id, CheckIn.week == week)).first()
    names = as_seen(people_named(session, person, checkin.blockers), visible) if checkin and checkin.blockers else []
    reports = session.exec(select(Person).where(Person.manager_id == person.id)).all()
    rhythm = manager_rhythm(session, person, week, {r.id: blocker_threads(session, r, week) for r in reports})
    return Assessment(
        person_id=person.id, name=person.name, role=person.role, access=person.access, week=week, window=window,
        manager=manager.name if (manager := session.get(Person, person.manager_id) if person.manager_id else None)
        and manager.id in visible else None,
        age=data_age(session, person, week), kpis=readings, goals=goals,
        self_report=self_report_runs(session, person, week, readings), threads=threads,
        cadence=cadence_reading(session, person, week), rhythm=rhythm,
        follow_through=[FollowThrough(week=f.week, next_week=f.next_week, verdict=f.verdict, sources=f.sources)
                        for f in priority_follow_through(session, person, window)],
        wins=wins_worth_recognising(readings, goals, threads, week=week),
        quality=checkin_quality(session, person, checkin, readings, names),
    )
