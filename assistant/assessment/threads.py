"""Blockers as threads: what it is, since when, waiting on whom, open or resolved."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from assistant.analysis.text import is_empty, recurring_blockers, trim
from assistant.assessment.model import BlockerThread, WaitsOn
from assistant.domain.calendar import weeks_apart
from assistant.domain.models import CheckIn, Person
from assistant.domain.sources import checkin_source

LABEL_WORDS = 8
OPEN_GAP = 1  # a blocker last raised last week is still open this week


def label_of(text: str) -> str:
    """The blocker's first clause, a few words long, in the person's own words."""
    first = re.split(r"(?<=[.;!?])\s|\s[-–—]\s", " ".join(text.split()), maxsplit=1)[0].rstrip(".;!?")
    words = first.split()
    return " ".join(words[:LABEL_WORDS]) + ("…" if len(words) > LABEL_WORDS else "")


def people_named(session: Session, person: Person, text: str) -> list[WaitsOn]:
    """People (by first or full name) and roles the text names, the person themself excluded."""
    out = []
    for p in session.exec(select(Person).where(Person.id != person.id)).all():
        first = p.name.split()[0] if p.name else ""
        if (first and re.search(rf"\b{re.escape(first)}\b", text)) or (
                p.role and re.search(rf"\b{re.escape(p.role)}\b", text, re.IGNORECASE)):
            out.append(WaitsOn(person_id=p.id, name=p.name, role=p.role, is_manager=p.id == person.manager_id))
    return out


def blocker_threads(session: Session, person: Person, week: str) -> list[BlockerThread]:
    """Recurring blockers over the lookback plus this week's own, most recent first."""
    out = []
    for g in recurring_blockers(session, person, week):
        gap = weeks_apart(g.last_week, week)
        status = "open" if gap <= OPEN_GAP else "resolved"
        out.append(BlockerThread(label=label_of(g.text), latest_text=g.text, first_week=g.first_week,
                                 last_week=g.last_week, weeks=g.weeks, times=len(g.weeks),
                                 weeks_open=weeks_apart(g.first_week, week if status == "open" else g.last_week),
                                 status=status, resolved_week=None, waits_on=people_named(session, person, g.text),
                                 sources=g.sources))
    current = session.exec(select(CheckIn).where(CheckIn.person_id == person.id, CheckIn.week == week)).first()
    if current is not None and not is_empty(current.blockers) and not any(week in t.weeks for t in out):
        text = trim(current.blockers)
        out.insert(0, BlockerThread(label=label_of(text), latest_text=text, first_week=week, last_week=week,
                                    weeks=[week], times=1, weeks_open=0, status="open",
                                    waits_on=people_named(session, person, text),
                                    sources=[checkin_source(current.id)]))
    return out
