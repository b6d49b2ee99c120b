"""Shared fact gathering for every draft kind: KPIs, flags, check-ins, history, playbook.

Each fact carries the source ids that back it. ``grounding_facts`` turns the trusted part
into what the guard checks against; check-in free text is never a number source.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from assistant.analysis.kpi import KpiStatus
from assistant.analysis.text import history_query
from assistant.domain.meetings import ActionView, OneOnOneRecord
from assistant.domain.models import CheckIn, Meeting, Outbox, Person
from assistant.domain.sources import checkin_source, kpi_source, meeting_source
from assistant.domain.team import can_see
from assistant.drafting.grounding import Facts
from assistant.errors import NotFound
from assistant.kpi_audit.rules import KpiAudit
from assistant.retrieval.search import search_checkins, search_playbook_many

log = logging.getLogger(__name__)
TEXT_FIELDS = ("wins", "priorities", "blockers")


def require_visible(session: Session, viewer: Person, subject: Person) -> None:
    if not can_see(session, viewer, subject.id):
        raise NotFound("person not found")


def checkin_blocks(session: Session, subject: Person, weeks: list[str]) -> list[dict[str, Any]]:
    """The subject's check-ins in ``weeks``, newest first, as data-block records."""
    rows = session.exec(select(CheckIn).where(CheckIn.person_id == subject.id, col(CheckIn.week).in_(weeks))
                        .order_by(col(CheckIn.week).desc())).all()
    return [{"id": checkin_source(c.id), "week": c.week, "wins": c.wins, "priorities": c.priorities,
             "blockers": c.blockers, "metrics": dict(c.metrics)} for c in rows]


def history_blocks(session: Session, viewer: Person, subject: Person, about: dict[str, Any] | CheckIn,
                   exclude_weeks: list[str], k: int = 5) -> list[dict[str, Any]]:
    """Older check-ins of the subject related to the check-in ``about`` (a data-block record
    or the row), by meaning (best first): the query is its blockers and priorities.

    The index is derived and may be unhealthy; a draft then goes ahead without history
    rather than failing, and says so in the log.
    """
    fields = about if isinstance(about, dict) else {"blockers": about.blockers, "priorities": about.priorities}
    query = history_query(fields.get("blockers", ""), fields.get("priorities", ""))
    if not query.strip():
        return []
    try:
        hits = search_checkins(session, viewer, query, k=k + len(exclude_weeks), person_ids={subject.id})
    except Exception as exc:  # noqa: BLE001 - any index failure degrades to "no history"
        log.warning("retrieval unavailable, drafting without history: %s", exc)
        return []
    out = [{"id": h.source_id, "week": h.week, "field": h.field, "text": h.text}
           for h in hits if h.week not in exclude_weeks]
    return out[:k]


def history_pending(session: Session, subject: Person) -> int:
    """How many of ``subject``'s check-ins wait in the outbox to be indexed: history a draft
    cannot retrieve yet, which it says rather than passing over in silence."""
    ids = select(CheckIn.id).where(CheckIn.person_id == subject.id)
    return session.exec(select(func.count()).select_from(Outbox).where(
        Outbox.entity == "checkin", col(Outbox.entity_id).in_(ids))).one()


RECOGNITION = "recognising strong performance specifically"  # the playbook question every draft asks last


def playbook_blocks(queries: list[str], k_each: int = 2, limit: int = 5) -> list[dict[str, Any]]:
    """Playbook sections for the findings, most relevant query first, without repeats."""
    return playbook_answers(queries, k_each=k_each, limit=limit)[0]


def playbook_answers(queries: list[str], k_each: int = 2,
                     limit: int = 5) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """``playbook_blocks`` and, per query, the first section it found that is among them: what an
    item may cite for that question (by what answered it, not by its place in a list the budget trims)."""
    try:
        found = search_playbook_many(queries, k=k_each)  # one round trip for all the questions
    except Exception as exc:  # noqa: BLE001 - the playbook index is optional for a draft
        log.warning("playbook search failed: %s", exc)
        return [], {}
    seen: dict[str, dict[str, Any]] = {}
    for hits in found:
        for h in hits:
            seen.setdefault(h.source_id, {"id": h.source_id, "title": h.title, "text": h.text})
    blocks = list(seen.values())[:limit]
    kept = {b["id"] for b in blocks}
    answers = {q: next(h.source_id for h in hits if h.source_id in kept)
               for q, hits in zip(queries, found, strict=True) if any(h.source_id in kept for h in hits)}
    return blocks, answers


def cited_for(context: dict[str, Any], query: str) -> list[str]:
    """The section that answered ``query``, if the budget left it in the prompt (else nothing)."""
    sid = (context.get("playbook_answers") or {}).get(query)
    return [sid] if sid and any(b["id"] == sid for b in context.get("playbook") or []) else []


def kpi_record(status: KpiStatus, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """A KPI's status as the facts show it. ``guardrail`` is already None for a guardrail the
    viewer may not see (``kpis.guardrail_view``); its note is shown only when there is one,
    so a prompt gains no line per KPI for the common case."""
    row = status.model_dump(mode="json", exclude=exclude)
    if row.get("guardrail_note") is None:
        row.pop("guardrail_note", None)
    return row


def flag_records(audits: list[KpiAudit]) -> list[dict[str, Any]]:
    """Warnings and worse from the KPI audit, with KPI-value sources for their evidence."""
    out = []
    for a in audits:
        for f in a.flags:
            if f.severity == "info":
                continue
            sources = []
            for side in ("kpi", "guardrail"):
                ev = f.evidence.get(side) if isinstance(f.evidence, dict) else None
                if isinstance(ev, dict) and ev.get("id") and ev.get("to"):
                    sources.append(kpi_source(ev["id"], ev["to"]))
                    if ev.get("from"):
                        sources.append(kpi_source(ev["id"], ev["from"]))
            out.append({"kpi": a.id, "kpi_name": a.name, "code": f.code, "severity": f.severity,
                        "reason": f.reason, "evidence": f.evidence, "suggestion": a.suggestion,
                        "sources": sources})
    return out


def grounding_facts(facts: dict[str, Any], *, checkins: list[dict[str, Any]], history: list[dict[str, Any]],
                    playbook: list[dict[str, Any]], kpi_sources: set[str], extra_sources: set[str]) -> Facts:
    g = Facts()
    g.add_numbers_from(facts)
    g.sources |= kpi_sources | extra_sources
    for block in (checkins, history, playbook):
        for item in block:
            g.sources.add(item["id"])
    for c in checkins:
        g.add_quotable(c["id"], *(c.get(f) for f in TEXT_FIELDS))
    for h in history:
        g.add_quotable(h["id"], h.get("text"))
    return g


# ---------------------------------------------------------------- 1:1 records
# What a brief carries of the 1:1 record: a brief already fills most of its token budget, and a
# 1:1 rarely agrees more than a handful of things.
MAX_ACTIONS = 6  # open action items, overdue first
MAX_DONE = 3  # done since the last 1:1, the latest
MAX_AGENDA = 5  # the report's points for the coming 1:1, oldest first


def meeting_ref(meeting: Meeting | None) -> dict[str, Any] | None:
    return None if meeting is None else {"id": meeting_source(meeting.id), "date": meeting.date.isoformat(),
                                         "status": meeting.status}


def action_fact(view: ActionView) -> dict[str, Any]:
    """An action item without its wording: what the facts may carry (the text is data, not a figure source)."""
    return {"meeting": meeting_source(view.meeting.id), "agreed_on": view.meeting.date.isoformat(),
            "owner": view.owner_name, "due": view.item.due.isoformat() if view.item.due else None,
            "overdue": view.overdue, "done": view.item.done}


def action_block(view: ActionView) -> dict[str, Any]:
    """The same with its wording, for a data block."""
    return {**action_fact(view), "text": view.item.text}


def one_on_one_parts(record: OneOnOneRecord, names: dict[int, str]) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    """A report's 1:1 record for a brief: (facts without free text, data blocks with it, citable ids).

    ``names`` maps person ids to names (the agenda's authors).
    """
    opened, done = record.open_actions[:MAX_ACTIONS], record.done_actions[-MAX_DONE:]
    agenda = record.agenda[:MAX_AGENDA]
    facts = {"last_meeting": meeting_ref(record.last), "next_meeting": meeting_ref(record.coming),
             "open_actions": [action_fact(v) for v in opened], "done_actions": [action_fact(v) for v in done],
             "overdue_actions": sum(1 for v in opened if v.overdue), "agenda_items": len(agenda)}
    coming = meeting_source(record.coming.id) if record.coming else None
    blocks = {
        "actions": [action_block(v) for v in opened + done],
        "agenda": [{"meeting": coming, "by": names.get(a.author_id, ""), "text": a.text} for a in agenda],
        "meeting_notes": [{"meeting": meeting_source(record.last.id), "date": record.last.date.isoformat(),
                           "text": record.last.notes}] if record.last is not None and record.last.notes else [],
    }
    sources = {meeting_source(m.id) for m in (record.last, record.coming) if m is not None}
    sources |= {v["meeting"] for v in facts["open_actions"] + facts["done_actions"]}
    return facts, blocks, sources
