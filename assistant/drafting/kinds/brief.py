"""The manager's 1:1 prep brief: what moved, what stalled, what the numbers say, what to ask."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from assistant.analysis import (
    cadence_health,
    kpi_status,
    priority_follow_through,
    recurring_blockers,
    self_report_mismatches,
    weeks_back,
)
from assistant.analysis.cadence import CadenceSpan
from assistant.domain.calendar import today
from assistant.domain.meetings import one_on_one_record
from assistant.domain.models import CheckIn, Draft, Person
from assistant.domain.sources import kpi_source
from assistant.drafting import context as ctx
from assistant.drafting.budget import pop_last, shorten_series, shorten_text
from assistant.drafting.offline import compose_brief
from assistant.drafting.pipeline import DraftJob, run
from assistant.drafting.schemas import BriefModelOut
from assistant.errors import Forbidden
from assistant.kpi_audit.stored import audit_visible
from assistant.llm import Provider

WINDOW = 4


# Its own class for its name, the schema title and tool name a model sees (and the cassettes
# hold); no docstring, which would reach the model as the schema's description.
class BriefOut(BriefModelOut):
    pass


def default_week(session: Session, subject: Person) -> str:
    """The subject's latest check-in week, else the current ISO week."""
    from assistant.analysis import week_of

    latest = session.exec(select(CheckIn.week).where(CheckIn.person_id == subject.id)
                          .order_by(col(CheckIn.week).desc())).first()
    return latest or week_of(today())


def gather(session: Session, viewer: Person, subject: Person, week: str) -> DraftJob:
    ctx.require_visible(session, viewer, subject)
    if viewer.access == "member" or viewer.id == subject.id:
        raise Forbidden("a 1:1 brief is prepared by a manager for someone they manage")
    window = weeks_back(week, WINDOW)
    statuses = kpi_status(session, subject, week, viewer=viewer)
    flags = ctx.flag_records(audit_visible(session, viewer, owner_id=subject.id))
    mismatches = self_report_mismatches(session, subject, window)
    follow = priority_follow_through(session, subject, window)
    blockers = recurring_blockers(session, subject, week)
    cadence = cadence_health(session, subject, window)
    checkins = ctx.checkin_blocks(session, subject, window)
    latest = checkins[0] if checkins else {"blockers": "", "priorities": ""}
    history = ctx.history_blocks(session, viewer, subject, latest, exclude_weeks=window)
    # What was agreed is as of today, whichever week the brief is on: it prepares the coming 1:1.
    agreed, one_on_one, meeting_sources = ctx.one_on_one_parts(one_on_one_record(session, viewer, subject, on=today()),
                                                               {subject.id: subject.name})
    queries = [f"{f['code']} {f['kpi_name']}: what to ask in a 1:1" for f in flags]
    queries += ["check-in says on track but the data is off target"] if mismatches else []
    queries += ["a blocker that keeps coming back week after week"] if blockers else []
    if cadence.lookback.meetings_cancelled or cadence.lookback.meetings_rushed:
        queries.append("cancelled or rushed 1:1 meetings")
    if agreed["overdue_actions"]:
        queries.append("commitments from the last 1:1 that slipped: follow up without blame")
    queries.append("recognising strong performance specifically")
    playbook = ctx.playbook_blocks(queries)

    facts: dict[str, Any] = {
        "subject": {"name": subject.name, "role": subject.role},
        "week": week, "window": window,
        "kpis": [ctx.kpi_record(s) for s in statuses],
        "flags": flags,
        "self_report_mismatches": [m.model_dump(mode="json") for m in mismatches],
        "recurring_blockers": [{"weeks": b.weeks, "sources": b.sources} for b in blockers],
        # Follow-through without its text: check-in words are data, never a source of figures.
        "follow_through": [{"week": f.week, "next_week": f.next_week, "verdict": f.verdict,
                            "sources": f.sources} for f in follow],
        "cadence": cadence_facts(cadence.lookback),
        "one_on_one": agreed,
    }
    # Every stored value the facts show is citable, not only the latest: a mismatch or a
    # trend item may rest on an older point of the same series.
    kpi_sources = {kpi_source(s.key, p) for s in statuses for p, _ in s.series}
    kpi_sources |= {src for s in statuses for src in s.sources}
    kpi_sources |= {src for m in mismatches for src in m.sources}
    kpi_sources |= {src for f in flags for src in f["sources"]}
    blocker_sources = {src for b in blockers for src in b.sources}
    grounding = ctx.grounding_facts(facts, checkins=checkins, history=history, playbook=playbook,
                                    kpi_sources=kpi_sources,
                                    extra_sources={*cadence.lookback.sources, *blocker_sources, *meeting_sources})
    computed = {
        "week": week,
        "flags": [{"kpi": f["kpi"], "code": f["code"], "reason": f["reason"]} for f in flags],
        "recurring_blockers": [{"text": b.text, "weeks": b.weeks, "sources": b.sources} for b in blockers],
        "self_report_mismatches": [{"kpi": m.kpi, "week": m.week, "said": m.said, "actual": m.actual,
                                    "target": m.target} for m in mismatches],
        "cadence": {k: v for k, v in facts["cadence"].items() if k != "sources"},
    }
    context = {"viewer_name": viewer.name, "subject_name": subject.name, "subject_role": subject.role,
               "week": week, "facts": facts, "checkins": checkins, "history": history, "playbook": playbook,
               **one_on_one}
    return DraftJob(
        kind="brief", subject=subject, viewer=viewer, period=week, template="brief.j2", context=context,
        schema=BriefOut, facts=grounding, computed=computed, checks=claims, compose=compose_brief,
        # The 1:1 record's wording is shortened before the playbook goes, and its items go last
        # (done ones first: the list holds the open ones first).
        trim_steps=[pop_last("history"), shorten_text("meeting_notes", ("text",)),
                    shorten_text("actions", ("text",), floor=120), shorten_text("agenda", ("text",), floor=120),
                    pop_last("playbook", keep=1), shorten_series("kpis"),
                    shorten_text("checkins", ctx.TEXT_FIELDS), pop_last("checkins", keep=1),
                    pop_last("actions", keep=2), pop_last("agenda", keep=1)],
    )


def cadence_facts(span: CadenceSpan) -> dict[str, Any]:
    """The quarter view of 1:1s and check-ins: counts, the weeks missed, meeting sources."""
    return {"first_week": span.first_week, "last_week": span.last_week, "weeks": span.weeks,
            "meetings_held": span.meetings_held, "meetings_cancelled": span.meetings_cancelled,
            "meetings_rushed": span.meetings_rushed, "missing_checkin_weeks": span.missing_checkin_weeks,
            "sources": span.sources}


def claims(out: BriefModelOut) -> list[tuple[str, str, list[str], bool]]:
    found = [(f"sections[{i}].items[{j}]", item.text, item.sources, True)
             for i, s in enumerate(out.sections) for j, item in enumerate(s.items)]
    return found + [(f"questions[{i}]", q, [], False) for i, q in enumerate(out.questions)]


def draft_brief(session: Session, viewer: Person, subject: Person, week: str | None = None, *,
                provider: Provider | None = None) -> Draft:
    """Draft, guard and store a 1:1 prep brief on ``subject`` for ``viewer``."""
    job = gather(session, viewer, subject, week or default_week(session, subject))
    return run(session, job, provider)
