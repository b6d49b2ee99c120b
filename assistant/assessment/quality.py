"""The week's check-in judged on its content (wins, priorities, blockers), never on its form.

Labels (``CheckinQuality`` fields; ``detail`` adds what was found):
- ``empty`` (True): filed, but wins and priorities are both empty or near-empty (nothing, "-",
  "busy week", "same as last week": every content word filler, or one word alone). A signal
  to raise ("no wins or priorities written"), never praised.
- ``wins.label``: ``empty`` (empty or near-empty); ``flagged_kpi`` (a result, but every KPI it
  names is one the audit calls gamed or vanity: "Impressions hit 1.82M"; detail: those keys;
  never to be praised as a result); ``outcome`` (a result: decided, launched, live, cut,
  reached..., a figure against an earlier one, or one of the person's KPIs named with a
  number; detail: the KPI keys); ``activity`` (work described without a result: worked on,
  answered, meetings...).
- ``priorities.label``: ``empty``; ``tied_and_dated`` (names one of the person's KPIs and a
  date or deadline); ``tied_to_kpi`` (detail: the KPI keys); ``dated`` (a weekday, a date, "by
  end of month", "in Q4", "next week"; a figure alone is no date); ``task_list`` (two or more
  items, none tied or dated); ``vague``.
- ``blockers.label``: ``none`` (nothing written); ``names_person_and_decision`` (a person or
  role of the org, matched by ``threads.people_named``, and the decision needed: approve,
  sign-off, decide...); ``names_person``; ``names_party`` (an outside party only: the 3PL, a
  supplier); ``decision_without_person`` (a decision, nobody named); ``vague``. ``names``
  lists who was named (``WaitsOn.is_manager`` marks the person's own manager).
- ``has_kpis`` False: the person owns no KPI, so nothing may say "agrees with your KPI data";
  ``has_manager`` False: nobody to "raise it with your manager".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlmodel import Session

from assistant.analysis.text import is_empty, priority_items, words
from assistant.assessment.model import AnswerQuality, CheckinQuality, KpiReading, WaitsOn
from assistant.core.words import fold_plural
from assistant.domain.models import CheckIn, Person
from assistant.domain.sources import checkin_source

# Words in KPI names too common to show that a check-in talks about that KPI.
GENERIC = {"rate", "share", "order", "per", "total", "average", "first", "time", "number", "new", "last", "day",
           "week", "hero", "sku", "all", "ad", "customer", "sales", "score", "line", "product", "by", "launched"}
_GENERIC = {fold_plural(w) for w in GENERIC}
STEM = 6  # "escalated" names "escalation": words whose stems share their first six letters match
# Content words that say nothing about the week's work.
FILLER = {"busy", "stuff", "thing", "same", "usual", "ok", "okay", "fine", "good", "tbd", "tba", "nothing", "much",
          "lot", "work", "working", "various", "misc", "normal", "see", "above", "continue", "continuing",
          "progress", "bau", "na", "n/a", "etc", "last", "more", "todo", "later"}
_OUTCOME = re.compile(r"\b(decided|decision|approved|signed|launched|shipped|closed|resolved|cut|reduced|lowered|"
                      r"raised|lifted|increased|improved|grew|won|hit|reached|fixed|saved|recovered|agreed|placed|"
                      r"booked|confirmed|cleared|delivered|completed|finished|achieved|beat|beating|halved|doubled|"
                      r"hired|renewed|renegotiated|negotiated|secured|"
                      r"live|went live|rolled out|set up|done|back (?:at|in|to|up|on)|down to|up to)\b", re.IGNORECASE)
# A figure against an earlier one ("#14 (was #19)", "from 4.5 to 3.6", "9.9% to 11.0%") is a result.
_CHANGE = re.compile(r"\bwas\s+[#$]?\d|\d[\d.,]*\s*[%x]?\s*(?:to|→|->)\s*[#$]?\d|\b(?:up|down) from\b", re.IGNORECASE)
_ACTIVITY = re.compile(r"\b(worked on|working on|looked into|spent|answered|handled|attended|meetings?|calls?|"
                       r"continued|started|helped|busy|tickets|emails|posts|tasks?|caught up|went through|"
                       r"got through)\b", re.IGNORECASE)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"\b(?:(?:by|before|until|on|due|this|next)\s+(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r"|(?:by|in|into|before|for|during|through|until|end of) (?:the )?(?:q[1-4]|w\d{1,2}|(?:20\d\d-)?w\d{1,2})\b"
    r"|(?:by |before |until )?(?:the )?end of (?:the )?(?:week|month|quarter|day|[a-z]{3,9})"
    r"|(?:by|before|until) (?:next week|tomorrow|the \d)|\beo[dwm]\b|tomorrow|next week|this week)",
    re.IGNORECASE)
_DECISION = re.compile(r"\b(decision|decide|approv\w*|sign[- ]?off|signs? off|go-ahead|green light|ok from|"
                       r"confirm\w*|agree\w* on|(?:could|can) (?:we|you|i) (?:get|have|book|find)|"
                       r"\d+ minutes|time with)\b", re.IGNORECASE)


_SUFFIXES = ("ations", "ation", "ions", "ion", "ings", "ing", "ers", "er", "ed", "es", "s")
# What sellers call a KPI besides its name: Amazon's unit session percentage is conversion.
SYNONYMS = {"unit session": {"conversion", "cvr"}, "conversion": {"cvr"}, "first-contact": {"fcr"},
            "new-to-brand": {"ntb"}, "stock-out": {"stockout"}}


def _stem(word: str) -> str:
    """A crude stem: one suffix off, a doubled last letter undone, at most STEM letters
    (shipped/ship, escalated/escalation, converted/conversion meet)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2]:
        word = word[:-1]
    return word[:STEM]


def name_terms(key: str, name: str) -> set[str]:
    """Words that name a KPI in free text (stemmed): its name, its key without the owner prefix
    and the names sellers use for it (SYNONYMS)."""
    raw = words(name) | {fold_plural(w) for w in key.split("-")[1:] or [key]}
    raw |= {w for phrase, extra in SYNONYMS.items() if phrase in name.lower() for w in extra}
    return {_stem(w) for w in raw - _GENERIC if len(w) > 1}


def names_kpi(text: str, terms: set[str]) -> bool:
    return bool(terms & {_stem(w) for w in words(text)})


def kpi_words(readings: Sequence[KpiReading]) -> dict[str, set[str]]:
    """Per KPI key, the stemmed words that name it in free text."""
    return {r.key: name_terms(r.key, r.name) for r in readings}


def near_empty(text: str | None) -> bool:
    """Nothing, or nothing of substance: every content word filler, or a single word without a figure."""
    if is_empty(text):
        return True
    ws = words(text or "")
    return not (ws - FILLER) or (len(ws) < 2 and not re.search(r"\d", text or ""))


def _wins(text: str, tied: list[str], flagged: set[str]) -> AnswerQuality:
    if near_empty(text):
        return AnswerQuality(label="empty")
    result = bool(_OUTCOME.search(text) or _CHANGE.search(text) or (tied and re.search(r"\d", text)))
    if result and tied and set(tied) <= flagged:
        return AnswerQuality(label="flagged_kpi", detail=", ".join(tied), kpis=tied)
    if result:
        return AnswerQuality(label="outcome", detail=", ".join(tied) or None, kpis=tied)
    return AnswerQuality(label="activity" if _ACTIVITY.search(text) or not tied else "outcome",
                         detail=", ".join(tied) or None, kpis=tied)


def _priorities(text: str, tied: list[str]) -> AnswerQuality:
    if near_empty(text):
        return AnswerQuality(label="empty")
    dated = bool(_DATE.search(text))
    label = ("tied_and_dated" if tied and dated else "tied_to_kpi" if tied else "dated" if dated
             else "task_list" if len(priority_items(text)) >= 2 else "vague")
    return AnswerQuality(label=label, detail=", ".join(tied) or None, kpis=tied)


def _blockers(text: str, names: list[WaitsOn]) -> AnswerQuality:
    if is_empty(text):
        return AnswerQuality(label="none")
    # Someone of the org the viewer may not know by name is still a person ("your manager": no
    # id, no role, see build.as_seen); only an outside party carries its group as role.
    parties = [n for n in names if n.person_id is None and n.role is not None]
    people = [n for n in names if n not in parties]
    decision = bool(_DECISION.search(text))
    label = ("names_person_and_decision" if people and decision else "names_person" if people
             else "names_party" if parties else "decision_without_person" if decision else "vague")
    return AnswerQuality(label=label, detail=", ".join(n.name for n in people or parties) or None)


def checkin_quality(session: Session, person: Person, checkin: CheckIn | None, readings: Sequence[KpiReading],
                    names: list[WaitsOn]) -> CheckinQuality:
    """``checkin`` (the week's, or None when none was filed) judged on content; ``names`` are the
    people, roles and parties its blockers name (``threads.people_named``)."""
    has_kpis, has_manager = bool(readings), person.manager_id is not None
    if checkin is None:
        return CheckinQuality(filed=False, has_kpis=has_kpis, has_manager=has_manager)
    kw = kpi_words(readings)

    def tied(text: str) -> list[str]:
        return [k for k, terms in kw.items() if names_kpi(text, terms)]

    wins, pri, blk = checkin.wins or "", checkin.priorities or "", checkin.blockers or ""
    return CheckinQuality(
        filed=True, checkin_id=checkin.id, has_kpis=has_kpis, has_manager=has_manager,
        empty=near_empty(wins) and near_empty(pri),
        wins=_wins(wins, tied(wins), {r.key for r in readings if r.verdict in ("gamed", "vanity")}),
        priorities=_priorities(pri, tied(pri)), blockers=_blockers(blk, names), names=names,
        sources=[checkin_source(checkin.id)],
    )
