"""The manager's 1:1 prep brief, written from the assessment of the report's week.

The week in force is the clock's ISO week unless one is asked for; the assessment says how
old the data is, what the numbers and the audit say, which blockers are open and on whom
they wait, how the 1:1s have gone and, for a manager, how they run their own reports' 1:1s.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from assistant.assessment import Assessment, assessment_for
from assistant.domain.calendar import current_week, today
from assistant.domain.meetings import one_on_one_record
from assistant.domain.models import Draft, Person
from assistant.drafting import context as ctx
from assistant.drafting.assessed import assessment_facts, assessment_sources, thread_blocks, waiting_blocks
from assistant.drafting.budget import LAST_RESORT, pop_last, pop_last_fact, shorten_text
from assistant.drafting.offline_brief import AGE_TITLE, compose_brief
from assistant.drafting.pipeline import DraftJob, run
from assistant.drafting.schemas import BriefModelOut
from assistant.errors import Forbidden
from assistant.llm import Provider


# Its own class for its name, the schema title and tool name a model sees (and the cassettes
# hold); no docstring, which would reach the model as the schema's description.
class BriefOut(BriefModelOut):
    pass


def playbook_queries(a: Assessment, overdue_actions: int) -> list[str]:
    """One playbook question per finding, most serious first, each naming what was found, so
    the sections cited match the finding (a PPC ratio gamed is not a support-speed problem)."""
    queries = [f"{k.name} gamed: the ratio improves while {k.guardrail.name if k.guardrail else 'its guardrail'} "
               "worsens; what to ask in a 1:1" for k in a.kpis if k.verdict == "gamed"]
    queries += [f"{k.name} is a vanity metric: what to track instead" for k in a.kpis if k.verdict == "vanity"][:1]
    if a.rhythm is not None and a.rhythm.poor:
        queries.append("a manager who cancels their reports' 1:1s or leaves their decisions waiting")
    queries += ["check-in says on track but the data is off target"] if a.self_report else []
    queries += ["a blocker that keeps coming back week after week"] if a.recurring else []
    if a.cadence.cancelled or a.cadence.rushed:
        queries.append("cancelled or rushed 1:1 meetings")
    if overdue_actions:
        queries.append("commitments from the last 1:1 that slipped: follow up without blame")
    queries.append(ctx.RECOGNITION)
    return queries


def computed_facts(a: Assessment, facts: dict[str, Any]) -> dict[str, Any]:
    """What the stored draft keeps beside the output (``Draft.facts``): the judgements it rests on."""
    return {
        "week": a.week,
        "data_age": facts["data_age"],
        "flags": [{"kpi": k.key, "code": f.code, "reason": f.reason} for k in a.kpis for f in k.findings],
        "verdicts": {k.key: k.verdict for k in a.kpis},
        "recurring_blockers": [{"text": t.latest_text, "weeks": t.weeks, "status": t.status,
                                "waits_on": [w.name for w in t.waits_on], "sources": t.sources}
                               for t in a.recurring],
        "self_report_mismatches": [{"kpi": r.kpi, "week": w, "said": r.said} for r in a.self_report for w in r.weeks],
        "self_report_runs": [{k: v for k, v in run.items() if k != "sources"} for run in facts["self_report_runs"]],
        "cadence": {k: v for k, v in facts["cadence"].items() if k not in ("sources", "meetings")},
        "rhythm": facts["rhythm"],
    }


def gather(session: Session, viewer: Person, subject: Person, week: str) -> DraftJob:
    ctx.require_visible(session, viewer, subject)
    if viewer.access == "member" or viewer.id == subject.id:
        raise Forbidden("a 1:1 brief is prepared by a manager for someone they manage")
    a = assessment_for(session, subject, week, viewer=viewer)
    checkins = ctx.checkin_blocks(session, subject, a.window)
    latest = checkins[0] if checkins else {"blockers": "", "priorities": ""}
    history = ctx.history_blocks(session, viewer, subject, latest, exclude_weeks=a.window)
    # What was agreed is as of today, whichever week the brief is on: it prepares the coming 1:1.
    agreed, one_on_one, meeting_sources = ctx.one_on_one_parts(one_on_one_record(session, viewer, subject, on=today()),
                                                               {subject.id: subject.name})
    playbook, answers = ctx.playbook_answers(playbook_queries(a, agreed["overdue_actions"]), k_each=1)
    # The action items' owners and dates are in the prompt once, in the actions block; the guard
    # still trusts them as facts (they come from the 1:1 record, not from anyone's free text).
    summary = {k: v for k, v in agreed.items() if k not in ("open_actions", "done_actions")}
    facts = {**assessment_facts(a), "one_on_one": summary, "history_pending": ctx.history_pending(session, subject)}
    grounding = ctx.grounding_facts({**facts, "one_on_one": agreed}, checkins=checkins, history=history,
                                    playbook=playbook, kpi_sources=assessment_sources(a), extra_sources=meeting_sources)
    context = {"viewer_name": viewer.name, "subject_name": subject.name, "subject_role": subject.role,
               "week": a.week, "facts": facts, "threads": thread_blocks(a), "waiting": waiting_blocks(a),
               "checkins": checkins,
               "history": history, "playbook": playbook, "playbook_answers": answers, **one_on_one}
    return DraftJob(
        kind="brief", subject=subject, viewer=viewer, period=a.week, template="brief.j2", context=context,
        schema=BriefOut, facts=grounding, computed=computed_facts(a, facts), checks=claims, compose=compose_brief,
        assessment=a,
        # The 1:1 record's wording is shortened before the playbook goes, and its items go last
        # (done ones first: the list holds the open ones first).
        trim_steps=[pop_last("history"), shorten_text("meeting_notes", ("text",)),
                    shorten_text("actions", ("text",), floor=120), shorten_text("agenda", ("text",), floor=120),
                    pop_last("playbook", keep=1), shorten_text("threads", ("latest",), floor=120),
                    shorten_text("waiting", ("label",), floor=80), shorten_text("checkins", ctx.TEXT_FIELDS),
                    pop_last("checkins", keep=1),
                    # Then the facts' long lists, the detail a count already summarises going first;
                    # what was agreed at the last 1:1 goes last of all.
                    pop_last_fact("cadence", "meetings"), pop_last_fact("follow_through", keep=1),
                    pop_last_fact("self_report_runs", keep=2), pop_last_fact("rhythm", "reports", keep=2),
                    pop_last_fact("goals", keep=1), pop_last_fact("blocker_threads", keep=2),
                    pop_last("playbook"), pop_last("actions", keep=2), pop_last("agenda", keep=1),
                    pop_last_fact("kpis", keep=3), *LAST_RESORT, pop_last_fact("kpis", keep=1)],
    )


def claims(out: BriefModelOut) -> list[tuple[str, str, list[str], bool]]:
    # The data's age may rest on nothing citable (no check-in, no value at all): that is its point.
    found = [(f"sections[{i}].items[{j}]", item.text, item.sources, s.title != AGE_TITLE)
             for i, s in enumerate(out.sections) for j, item in enumerate(s.items)]
    return found + [(f"questions[{i}]", q, [], False) for i, q in enumerate(out.questions)]


def draft_brief(session: Session, viewer: Person, subject: Person, week: str | None = None, *,
                provider: Provider | None = None) -> Draft:
    """Draft, guard and store a 1:1 prep brief on ``subject`` for ``viewer`` (default: this week)."""
    return run(session, gather(session, viewer, subject, week or current_week()), provider)
