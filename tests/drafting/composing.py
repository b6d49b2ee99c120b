"""Assessments built by hand (pydantic, no database) and turned into a composer's context the
way the kinds' ``gather()`` does: the facts from ``assessment_facts``, the threads' and the
waiting blockers' wording as data blocks, plus each kind's own parts."""

from __future__ import annotations

from datetime import date
from typing import Any

from assistant.assessment.model import (
    AnswerQuality,
    Assessment,
    BlockerThread,
    CadenceReading,
    CheckinQuality,
    DataAge,
    GuardrailReading,
    KpiReading,
    Point,
    TrendReading,
    WaitsOn,
)
from assistant.domain.models import CheckIn
from assistant.domain.sources import checkin_source
from assistant.drafting.assessed import assessment_facts, thread_blocks, waiting_blocks
from assistant.drafting.context import RECOGNITION
from assistant.drafting.kinds.feedback import metric_check

WEEK = "2026-W41"
WINDOW = ["2026-W38", "2026-W39", "2026-W40", "2026-W41"]
MONDAY = date(2026, 10, 5)
FROM = date(2026, 9, 14)
CHECKIN_ID = 7
VIEWER = "Sam Reyes"
SUBJECT = "Priya Patel"

PLAYBOOK = [{"id": "playbook:gaming", "title": "Gaming", "text": "..."},
            {"id": "playbook:praise", "title": "Praise", "text": "..."}]
ANSWERS = {"gamed": "playbook:gaming", RECOGNITION: "playbook:praise"}  # what each question found
NO_ONE_ON_ONE = {"last_meeting": None, "next_meeting": None, "open_actions": [], "done_actions": [],
                 "overdue_actions": 0, "agenda_items": 0}


def trend(key: str, label: str, motion: str, start: float, end: float, *, since: date = FROM,
          to: date = MONDAY) -> TrendReading:
    """A trend between two stored points of ``key``, with its change worked out from them."""
    change = round(end - start, 4)
    return TrendReading(label=label, motion=motion, start=Point(period=since, value=start, source=f"kpi:{key}@{since}"),
                        end=Point(period=to, value=end, source=f"kpi:{key}@{to}"), change=change,
                        change_pct=round(100 * change / abs(start), 1) if start else None, steps=3)


def kpi(key: str, **over: Any) -> KpiReading:
    """A percent KPI the owner should bring down: 12.5% against 10% on 2026-10-05, worsening from 11%."""
    row: dict[str, Any] = {
        "key": key, "name": key.upper(), "unit": "percent", "direction": "down", "tier": "core",
        "target": 10.0, "value": 12.5, "period": MONDAY, "gap": 2.5, "on_target": False,
        "trend": trend(key, "worsening", "rising", 11.0, 12.5), "sources": [f"kpi:{key}@{MONDAY}"],
    }
    return KpiReading(**(row | over))


def improving(key: str, start: float = 14.0, end: float = 9.0, **over: Any) -> KpiReading:
    """A healthy KPI that fell to its target's good side: the kind the assessment recognises."""
    return kpi(key, value=end, on_target=True, gap=end - 10.0, trend=trend(key, "improving", "falling", start, end),
               **over)


def guardrail(key: str = "sales", name: str = "Total sales", start: float = 52000.0, end: float = 41000.0,
              worsened: bool = True) -> GuardrailReading:
    label, motion = ("worsening", "falling") if worsened else ("flat", "flat")
    return GuardrailReading(key=key, name=name, unit="currency", direction="up", value=end, period=MONDAY,
                            trend=trend(key, label, motion, start, end), worsened=worsened,
                            sources=[f"kpi:{key}@{MONDAY}"])


def gamed(key: str = "acos", **over: Any) -> KpiReading:
    """A ratio that improved while the sales it guards fell: the audit calls it gamed."""
    return improving(key, verdict="gamed", flags=["gamed"], guardrail=guardrail(),
                     audit_reason=f"{key.upper()} improved while Total sales fell: the ratio was bought "
                                  "by cutting spend.", **over)


def thread(label: str, weeks: list[str], *, ids: list[int] | None = None, **over: Any) -> BlockerThread:
    ids = ids or list(range(1, len(weeks) + 1))
    row: dict[str, Any] = {"label": label, "latest_text": label + ", still.", "first_week": weeks[0],
                           "last_week": weeks[-1], "weeks": weeks, "times": len(weeks),
                           "weeks_open": WINDOW.index(WEEK) - WINDOW.index(weeks[0]) + 1 if weeks[0] in WINDOW
                           else 6, "status": "open", "sources": [checkin_source(i) for i in ids]}
    return BlockerThread(**(row | over))


def waits(name: str, role: str | None = None, is_manager: bool = False, person_id: int | None = None) -> WaitsOn:
    return WaitsOn(person_id=person_id, name=name, role=role, is_manager=is_manager)


def cadence(**over: Any) -> CadenceReading:
    row: dict[str, Any] = {"first_week": WINDOW[0], "last_week": WEEK, "weeks": 4, "held": 4,
                           "last_held": MONDAY, "last_status": "held", "weeks_since_held": 0}
    return CadenceReading(**(row | over))


def quality(filed: bool = True, **over: Any) -> CheckinQuality:
    """A check-in whose wins name a result, priorities are tied and dated, blocker asks someone for a decision."""
    row: dict[str, Any] = {
        "filed": filed, "checkin_id": CHECKIN_ID if filed else None,
        "wins": AnswerQuality(label="outcome"), "priorities": AnswerQuality(label="tied_and_dated"),
        "blockers": AnswerQuality(label="names_person_and_decision"), "names": [waits(VIEWER)],
        "sources": [checkin_source(CHECKIN_ID)] if filed else [],
    }
    return CheckinQuality(**(row | over))


def age(stale: bool = False, **over: Any) -> DataAge:
    row: dict[str, Any] = {"week": WEEK, "current_week": WEEK, "last_checkin_week": WEEK, "checkin_weeks_ago": 0,
                           "last_kpi_period": MONDAY, "kpi_weeks_ago": 0, "stale": stale}
    return DataAge(**(row | over))


def assessment(**over: Any) -> Assessment:
    """An individual contributor's week (managed by the viewer) with nothing found: no KPI, goal, blocker or win."""
    row: dict[str, Any] = {"person_id": 2, "name": SUBJECT, "role": "PPC specialist", "access": "member",
                           "manager": VIEWER, "week": WEEK, "window": WINDOW, "age": age(), "cadence": cadence(),
                           "quality": quality(blockers=AnswerQuality(label="none"), names=[])}
    return Assessment(**(row | over))


def brief_context(a: Assessment, *, viewer: str = VIEWER, checkins: list[dict[str, Any]] | None = None,
                  actions: list[dict[str, Any]] | None = None, agenda: list[dict[str, Any]] | None = None,
                  one_on_one: dict[str, Any] | None = None, playbook: list[dict[str, Any]] | None = None,
                  history_pending: int = 0) -> dict[str, Any]:
    """The brief's context as ``kinds.brief.gather`` lays it out (``history_pending``: check-ins not indexed yet)."""
    facts = {**assessment_facts(a), "one_on_one": one_on_one or NO_ONE_ON_ONE, "history_pending": history_pending}
    return {"viewer_name": viewer, "subject_name": a.name, "subject_role": a.role, "week": a.week, "facts": facts,
            "threads": thread_blocks(a), "waiting": waiting_blocks(a), "checkins": checkins or [], "history": [],
            "playbook": PLAYBOOK if playbook is None else playbook, "playbook_answers": ANSWERS,
            "actions": actions or [], "agenda": agenda or [],
            "meeting_notes": []}


def feedback_context(a: Assessment | None = None, *, marks: dict[str, str] | None = None,
                     own_actions: list[dict[str, Any]] | None = None, asked_by_subject: bool = True,
                     playbook: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The feedback's context as ``kinds.feedback.gather`` lays it out, for the check-in marked ``marks``
    (default: a good check-in on one KPI on target, marked on track, its blocker asking the viewer)."""
    if a is None:
        a = assessment(kpis=[improving("cvr")], quality=quality())
        marks = {"cvr": "on_track"} if marks is None else marks
    checkin = CheckIn(id=CHECKIN_ID, person_id=a.person_id, week=a.week, metrics=marks or {})
    own = own_actions or []
    facts = {**assessment_facts(a), "checkin_id": checkin_source(CHECKIN_ID), "history_pending": 0,
             "metric_check": metric_check(a, checkin),
             "own_actions": [{k: v for k, v in x.items() if k != "text"} for x in own]}
    return {"viewer_name": a.name if asked_by_subject else VIEWER, "subject_name": a.name, "subject_role": a.role,
            "asked_by_subject": asked_by_subject, "week": a.week, "facts": facts, "threads": thread_blocks(a),
            "checkins": [], "history": [], "playbook": PLAYBOOK if playbook is None else playbook,
            "playbook_answers": ANSWERS,
            "own_actions": own}


def titles(out: Any) -> list[str]:
    return [s.title for s in out.sections]


def texts(out: Any, title: str) -> list[str]:
    """The items of the section ``title`` (empty when there is none)."""
    return next(([i.text for i in s.items] for s in out.sections if s.title == title), [])


def every_text(out: Any) -> str:
    return " ".join(i.text for s in out.sections for i in s.items) + " " + " ".join(getattr(out, "questions", []))
