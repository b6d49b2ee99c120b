"""Check-in feedback, written from the assessment of the person's week.

Asked by the person about their own check-in (or by their managers). Every judgement comes
from the assessment: the answers' quality, the metric check as runs, role goals with their
conditions, blocker threads, and what is worth recognising; the check-in's own words reach
the model only inside the ``checkins`` data block.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from assistant.assessment import Assessment, assessment_for
from assistant.domain.calendar import today
from assistant.domain.checkins import latest_checkin_week
from assistant.domain.meetings import open_actions_owned
from assistant.domain.models import CheckIn, Draft, Person
from assistant.domain.sources import checkin_source
from assistant.domain.team import is_manager_of
from assistant.drafting import context as ctx
from assistant.drafting.assessed import assessment_facts, assessment_sources, thread_blocks
from assistant.drafting.budget import LAST_RESORT, pop_last, pop_last_fact, shorten_text
from assistant.drafting.offline_feedback import compose_feedback
from assistant.drafting.pipeline import DraftJob, run
from assistant.drafting.schemas import FeedbackModelOut
from assistant.errors import Forbidden, NotFound
from assistant.llm import Provider

OWN_ACTIONS = 3  # open action items of the person's a feedback names (overdue first)


# Its own class for its name, the schema title and tool name a model sees (and the cassettes
# hold); no docstring, which would reach the model as the schema's description.
class FeedbackOut(FeedbackModelOut):
    pass


def metric_check(a: Assessment, checkin: CheckIn) -> list[dict[str, Any]]:
    """Each KPI the person owns: what the check-in said and what the data says for that week."""
    contradicted = {r.kpi for r in a.self_report if a.week in r.weeks and r.kind != "unclear"}
    out = []
    for k in a.kpis:
        said = (checkin.metrics or {}).get(k.key)
        agrees = None if said in (None, "unclear") or k.on_target is None else k.key not in contradicted
        out.append({"kpi": k.key, "kpi_name": k.name, "said": said or "not_reported", "value": k.value,
                    "target": k.target, "unit": k.unit, "on_target": k.on_target, "agrees": agrees,
                    "sources": k.sources[:1]})
    return out


def role_goals(a: Assessment, quarter: str) -> dict[str, Any]:
    """Whether the quarter's role goals let the check-in be judged: set, with a KPI and a target."""
    with_kpi = [g for g in a.goals if g.kpi and g.target is not None]
    problem = ("no role goals are set for " + quarter if not a.goals
               else "none of the role goals for " + quarter + " has a KPI and a target" if not with_kpi else None)
    return {"quarter": quarter, "clear": problem is None, "problem": problem}


def playbook_queries(a: Assessment) -> list[str]:
    queries = [f"{k.name} gamed: the ratio improves while {k.guardrail.name if k.guardrail else 'its guardrail'} "
               "worsens" for k in a.kpis if k.verdict == "gamed"]
    queries.append("a good weekly check-in: wins are outcomes, priorities are measurable, blockers ask for a decision")
    queries += ["check-in says on track but the data is off target"] if a.self_report else []
    queries += ["a blocker that keeps coming back week after week"] if a.recurring else []
    queries += ["role goals are unclear: raise ownership with the manager"] if not a.goals and a.quality.has_manager \
        else []
    queries.append(ctx.RECOGNITION)
    return queries


def gather(session: Session, viewer: Person, subject: Person, week: str) -> DraftJob:
    ctx.require_visible(session, viewer, subject)
    if viewer.id != subject.id and not (viewer.access == "founder" or is_manager_of(session, viewer, subject.id)):
        raise Forbidden("check-in feedback is for the person who filed it and their managers")
    checkin = session.exec(select(CheckIn).where(CheckIn.person_id == subject.id, CheckIn.week == week)).first()
    if checkin is None:
        raise NotFound(f"no check-in from {subject.email} for {week}")
    a = assessment_for(session, subject, week, viewer=viewer)
    checkins = ctx.checkin_blocks(session, subject, [week])
    history = ctx.history_blocks(session, viewer, subject, checkin, exclude_weeks=[week], k=4)
    playbook, answers = ctx.playbook_answers(playbook_queries(a), k_each=1, limit=4)
    own_actions = open_actions_owned(session, viewer, subject, on=today())[:OWN_ACTIONS]
    checks = metric_check(a, checkin)
    facts: dict[str, Any] = {
        **assessment_facts(a), "checkin_id": checkin_source(checkin.id),
        "history_pending": ctx.history_pending(session, subject),
        # What was said per KPI; the KPI's figures are in facts.kpis once.
        "metric_check": [{k: m[k] for k in ("kpi", "said", "agrees")} for m in checks],
        "own_actions": [ctx.action_fact(v) for v in own_actions],
    }
    grounding = ctx.grounding_facts(facts, checkins=checkins, history=history, playbook=playbook,
                                    kpi_sources=assessment_sources(a),
                                    extra_sources={a_["meeting"] for a_ in facts["own_actions"]})
    computed = {
        "week": week,
        "data_age": facts["data_age"],
        "verdicts": {k.key: k.verdict for k in a.kpis},
        "metric_check": [{k: m[k] for k in ("kpi", "said", "value", "target", "on_target", "agrees")}
                         for m in checks],
        "self_report_mismatches": [{"kpi": r.kpi, "week": w, "said": r.said} for r in a.self_report
                                   for w in r.weeks if w == week],
        "role_goals": role_goals(a, facts["quarter"]),
        "checkin": {k: v for k, v in facts["checkin"].items() if k != "sources"},
    }
    context = {"viewer_name": viewer.name, "subject_name": subject.name, "subject_role": subject.role,
               "asked_by_subject": viewer.id == subject.id, "week": week, "facts": facts,
               "threads": thread_blocks(a), "checkins": checkins, "history": history, "playbook": playbook,
               "playbook_answers": answers,
               "own_actions": [ctx.action_block(v) for v in own_actions]}
    return DraftJob(
        kind="feedback", subject=subject, viewer=viewer, period=week, template="feedback.j2", context=context,
        schema=FeedbackOut, facts=grounding, computed=computed, checks=claims, compose=compose_feedback,
        assessment=a,
        trim_steps=[pop_last("history"), pop_last("playbook", keep=1),
                    shorten_text("threads", ("latest",), floor=120), shorten_text("checkins", ctx.TEXT_FIELDS),
                    pop_last_fact("cadence", "meetings"), pop_last_fact("follow_through", keep=1),
                    pop_last_fact("self_report_runs", keep=2), pop_last_fact("rhythm", "reports", keep=2),
                    pop_last_fact("blocker_threads", keep=2), pop_last("playbook"), pop_last_fact("goals", keep=1),
                    pop_last_fact("wins_worth_recognising", keep=1), pop_last_fact("kpis", keep=3),
                    *LAST_RESORT, shorten_text("checkins", ctx.TEXT_FIELDS, floor=80), pop_last_fact("kpis", keep=1)],
    )


def claims(out: FeedbackModelOut) -> list[tuple[str, str, list[str], bool]]:
    return [(f"sections[{i}].items[{j}]", item.text, item.sources, True)
            for i, s in enumerate(out.sections) for j, item in enumerate(s.items)]


def draft_feedback(session: Session, viewer: Person, subject: Person, week: str | None = None, *,
                   provider: Provider | None = None) -> Draft:
    """Draft, guard and store feedback on ``subject``'s check-in for ``week`` (default: their latest)."""
    week = week or latest_checkin_week(session, subject)
    if week is None:
        raise NotFound(f"no check-in from {subject.email} yet")
    return run(session, gather(session, viewer, subject, week), provider)
