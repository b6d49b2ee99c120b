"""The week's check-in judged on its content: wins, priorities, blockers."""

from __future__ import annotations

import re

from sqlmodel import Session

from assistant.analysis.text import is_empty, priority_items, words
from assistant.assessment.model import AnswerQuality, CheckinQuality, KpiReading, WaitsOn
from assistant.domain.models import CheckIn, Person
from assistant.domain.sources import checkin_source

# Words in KPI names too common to show that a check-in talks about that KPI.
GENERIC = {"rate", "share", "order", "per", "total", "average", "first", "time", "number", "new", "last", "day",
           "week", "hero", "sku", "all", "ad", "customer"}
_OUTCOME = re.compile(r"\b(decided|decision|approved|signed|launched|shipped|closed|resolved|cut|reduced|lowered|"
                      r"raised|lifted|increased|improved|grew|won|hit|reached|fixed|saved|recovered|agreed|"
                      r"back up|down to|up to)\b", re.IGNORECASE)
_ACTIVITY = re.compile(r"\b(worked on|working on|looked into|spent|answered|handled|attended|meetings?|calls?|"
                       r"continued|started|helped|busy|tickets|emails|posts|tasks?|caught up|went through|"
                       r"got through)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(by|before|until|on) (mon|tue|wed|thu|fri|sat|sun|\d{1,2}(st|nd|rd|th)?|jan|feb|mar|apr|may|"
                   r"jun|jul|aug|sep|oct|nov|dec|end of|next week|the \d)", re.IGNORECASE)
_DECISION = re.compile(r"\b(decision|decide|approv\w*|sign[- ]?off|go-ahead|budget|answer|ok from|confirm\w*)\b",
                       re.IGNORECASE)


def kpi_words(readings: list[KpiReading]) -> dict[str, set[str]]:
    """Words that name each KPI in free text: its name and the key without the owner prefix."""
    return {r.key: (words(r.name) | (set(r.key.split("-")[1:]) or {r.key})) - GENERIC for r in readings}


def checkin_quality(session: Session, person: Person, checkin: CheckIn | None, readings: list[KpiReading],
                    names: list[WaitsOn]) -> CheckinQuality:
    has_manager = person.manager_id is not None
    if checkin is None:
        return CheckinQuality(filed=False, has_kpis=bool(readings), has_manager=has_manager)
    kw = kpi_words(readings)

    def named(text: str) -> list[str]:
        ws = words(text)
        return [k for k, v in kw.items() if v & ws]

    wins, pri, blk = checkin.wins or "", checkin.priorities or "", checkin.blockers or ""
    q = CheckinQuality(filed=True, checkin_id=checkin.id, has_kpis=bool(readings), has_manager=has_manager,
                       empty=is_empty(wins) and is_empty(pri), names=names, sources=[checkin_source(checkin.id)])
    if is_empty(wins):
        q.wins = AnswerQuality(label="empty")
    elif _OUTCOME.search(wins) or (named(wins) and re.search(r"\d", wins)):
        q.wins = AnswerQuality(label="outcome", detail=", ".join(named(wins)) or None, kpis=named(wins))
    else:
        q.wins = AnswerQuality(label="activity" if _ACTIVITY.search(wins) or not named(wins) else "outcome",
                               kpis=named(wins))
    if is_empty(pri):
        q.priorities = AnswerQuality(label="empty")
    else:
        items = priority_items(pri)
        tied = named(pri)
        dated = bool(_DATE.search(pri)) or bool(re.search(r"\d", pri))
        label = ("tied_and_dated" if tied and dated else "tied_to_kpi" if tied else "dated" if dated
                 else "task_list" if len(items) >= 2 else "vague")
        q.priorities = AnswerQuality(label=label, detail=", ".join(tied) or None, kpis=tied)
    if is_empty(blk):
        q.blockers = AnswerQuality(label="none")
    else:
        decision = bool(_DECISION.search(blk))
        label = ("names_person_and_decision" if names and decision else "names_person" if names
                 else "decision_without_person" if decision else "vague")
        q.blockers = AnswerQuality(label=label, detail=", ".join(n.name for n in names) or None)
    return q
