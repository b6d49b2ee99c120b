"""Next-quarter role goals: two to four SMART goals with their arithmetic, and KPIs to retire.

The record is read here; every figure a goal carries is computed in goal_math.py, and the
model (or the offline composer) must repeat those figures unchanged (``verify``).
"""

from __future__ import annotations

import copy
from typing import Any

from sqlmodel import Session, select

from assistant.analysis import goal_progress, quarter_bounds
from assistant.core.templates import fmt_number
from assistant.domain.calendar import previous_quarter
from assistant.domain.drafts import get_visible_draft, set_status
from assistant.domain.goals import create_goal
from assistant.domain.kpis import series
from assistant.domain.models import Company, Draft, DraftStatus, Kpi, Objective, Person, RoleGoal
from assistant.domain.schemas import GoalCreate
from assistant.domain.sources import kpi_source
from assistant.domain.team import is_manager_of
from assistant.drafting import context as ctx
from assistant.drafting.budget import pop_last, shorten_series
from assistant.drafting.kinds.goal_math import (
    BASELINE_POINTS,
    CAP_PCT,
    HORIZON_WEEKS,
    IMPROVEMENT_PCT,
    TREND_POINTS,
    compute_goal,
)
from assistant.drafting.offline import compose_goals
from assistant.drafting.pipeline import DraftJob, run
from assistant.drafting.schemas import GoalsModelOut
from assistant.errors import Conflict, Forbidden, NotFound
from assistant.kpi_audit.catalog import get_catalog
from assistant.kpi_audit.stored import VisibleKpis, audit_visible, current_quarter, objectives_of
from assistant.llm import Provider

MAX_GOALS = 4
TOLERANCE = 0.005 + 1e-9  # a figure written at 2 places still equals the computed one
RETIRE_CODES = ("vanity", "not_influenceable", "no_objective")
STAGE_WORDS = {
    "early": "an early-stage company leads with volume",
    "growth": "a growing company needs volume that stays profitable",
    "mature": "a mature company leads with quality: margin, ROI, gross profit",
}


# Its own class for its name, the schema title and tool name a model sees (and the cassettes
# hold); no docstring, which would reach the model as the schema's description.
class GoalsOut(GoalsModelOut):
    pass


def _catalog_entry(name: str | None):  # noqa: ANN202 - CatalogEntry | None
    if not name:
        return None
    return next((k for k in get_catalog().kpis if k.name == name), None)


def guardrail_for(kpi: Kpi, audit: Any, visible: VisibleKpis) -> tuple[dict[str, Any] | None, int | None]:
    """The KPI's declared guardrail, else a catalog guardrail someone tracks, else the catalog's
    name; with the tracked guardrail's KPI id (None when it is not tracked)."""
    if kpi.guardrail_id:
        g = visible.by_id(kpi.guardrail_id)
        if g is not None:
            return {"key": g.key, "name": g.name, "tracked": True}, g.id
    entry = _catalog_entry(audit.matched.name if audit and audit.matched else None)
    for gid in entry.guardrails if entry else []:
        g = visible.first_of_entry(gid, exclude_key=kpi.key)
        if g is not None:
            return {"key": g.key, "name": g.name, "tracked": True}, g.id
    if audit is not None and audit.counter_metric:  # the audit's pick: a rate the owner moves, never a vanity total
        return {"key": None, "name": audit.counter_metric, "tracked": False}, None
    return None, None


def stage_reason(stage: str, kpi: Kpi, entry: Any, objective: Objective | None) -> str:
    fit = entry.stage if entry else "any"
    focus = {"volume": "a volume measure", "quality": "a quality measure",
             "any": "a ratio that matters at any stage"}[fit]
    obj = f" and moves the objective '{objective.title}'" if objective else ""
    return f"{kpi.name} is {focus}; {STAGE_WORDS.get(stage, STAGE_WORDS['growth'])}{obj}."


def gather(session: Session, viewer: Person, subject: Person, quarter: str) -> DraftJob:
    ctx.require_visible(session, viewer, subject)
    if not (viewer.access == "founder" or is_manager_of(session, viewer, subject.id)):
        raise Forbidden("role goals are drafted by a founder, or a manager for their reports")
    start, end = quarter_bounds(quarter)
    company = session.exec(select(Company)).first()
    stage = company.stage if company else "growth"
    objectives_quarter = quarter if objectives_of(session, quarter) else current_quarter(session, start)
    objectives = {o.key: o for o in session.exec(select(Objective).where(Objective.quarter_id == objectives_quarter))}
    # Only the subject's KPIs are read whole; guardrails are looked up one by one (loading
    # every visible KPI grew with the org: 8,000 rows for a founder at 1,000 people).
    visible = VisibleKpis(session, viewer)
    # The subject's audits only (auditing every visible KPI grew with the org: 5 s at 1,000 people).
    audits = {a.id: a for a in audit_visible(session, viewer, owner_id=subject.id, today=start)}
    own = sorted(visible.owned_by(subject.id), key=lambda k: (k.tier != "primary", k.id))
    flags = [{k: f[k] for k in ("kpi", "code", "severity", "reason", "sources")}
             for f in ctx.flag_records(list(audits.values()))]
    candidates, retire, notes, kpi_rows = [], [], [], []
    for kpi in own:
        audit = audits.get(kpi.key)
        codes = [f.code for f in audit.flags] if audit else []
        points = series(session, kpi.id, until=end)
        before = [p for p in points if p[0] < start]
        kpi_rows.append({"key": kpi.key, "name": kpi.name, "unit": kpi.unit, "direction": kpi.direction,
                         "tier": kpi.tier, "target": kpi.target, "objective": kpi.objective_key,
                         "flags": codes, "history": [[d.isoformat(), v] for d, v in before[-TREND_POINTS:]]})
        retiring = [f for f in audit.flags if f.code in RETIRE_CODES] if audit else []
        if retiring:
            replacement = audit.suggested  # the audit's pick, one the owner's role can move
            retire.append({"kpi": kpi.key, "kpi_name": kpi.name,
                           "action": "retire" if any(f.code == "vanity" for f in retiring) else "demote",
                           "reason": " ".join(f.reason for f in retiring), "replacement": replacement,
                           "sources": [kpi_source(kpi.key, d) for d, _ in before[-1:]]})
            continue
        objective = objectives.get(kpi.objective_key or "")
        goal = compute_goal(kpi, points, start, end)
        if goal is None or objective is None:
            notes.append(f"{kpi.name} carries no goal: " + ("it has no values before the quarter."
                         if goal is None else f"its objective '{kpi.objective_key}' is not one of "
                         f"{objectives_quarter}'s objectives."))
            continue
        guard, guard_id = guardrail_for(kpi, audit, visible)
        if guard_id is not None:
            last = series(session, guard_id, until=end)
            goal["sources"] += [kpi_source(guard["key"], d) for d, _ in [p for p in last if p[0] < start][-1:]]
        verb = "Bring down" if kpi.direction == "down" else "Raise"
        title = (f"{verb} {kpi.name} from {fmt_number(goal['baseline'], kpi.unit)} "
                 f"to {fmt_number(goal['target'], kpi.unit)} by {end.isoformat()}"
                 + (f", with {guard['name']} as the guardrail" if guard else ""))
        candidates.append({"kpi": kpi.key, "kpi_name": kpi.name, "unit": kpi.unit, "direction": kpi.direction,
                           "tier": kpi.tier, "objective": objective.key, "objective_title": objective.title,
                           "guardrail": guard, "title": title, "flags": codes,
                           "rationale": stage_reason(stage, kpi, _catalog_entry(
                               audit.matched.name if audit and audit.matched else None), objective), **goal})
    candidates = candidates[:MAX_GOALS]
    if objectives_quarter != quarter:
        notes.insert(0, f"No objectives are planned for {quarter} yet; the goals trace to {objectives_quarter}'s.")
    if len(candidates) < 2:
        notes.append(f"Only {len(candidates)} of {subject.name}'s KPIs can carry a goal; agree another with them.")
    last_quarter = previous_quarter(quarter)
    facts: dict[str, Any] = {
        "subject": {"name": subject.name, "role": subject.role}, "quarter": quarter,
        "quarter_start": start.isoformat(), "quarter_end": end.isoformat(), "stage": stage,
        "objectives_quarter": objectives_quarter,
        "objectives": [{"key": o.key, "title": o.title} for o in objectives.values()],
        "policy": {"baseline_points": BASELINE_POINTS, "trend_points": TREND_POINTS, "horizon_weeks": HORIZON_WEEKS,
                   "improvement_pct": IMPROVEMENT_PCT, "cap_pct": CAP_PCT},
        "kpis": kpi_rows, "flags": flags, "candidates": candidates, "retire": retire, "notes": notes,
        "last_quarter": {"quarter": last_quarter, "goals": [
            g.model_dump(mode="json", include={"title", "kpi", "target", "status", "latest_value", "latest_period",
                                               "on_track", "sources"})
            for g in goal_progress(session, subject, last_quarter)]},
    }
    playbook = ctx.playbook_blocks(["SMART goals that trace to a quarterly objective",
                                    "guardrail counter-metric so a KPI cannot be gamed",
                                    "vanity metrics to retire"], limit=4)
    kpi_sources = {s for c in candidates for s in c["sources"]} | {s for r in retire for s in r["sources"]}
    kpi_sources |= {s for f in flags for s in f["sources"]}
    kpi_sources |= {s for g in facts["last_quarter"]["goals"] for s in g["sources"]}
    grounding = ctx.grounding_facts(facts, checkins=[], history=[], playbook=playbook,
                                    kpi_sources=kpi_sources, extra_sources=set())
    computed = {
        "quarter": quarter, "stage": stage, "objectives_quarter": objectives_quarter,
        "computed_goals": [{k: c[k] for k in ("kpi", "objective", "baseline", "window", "statistic", "trend_per_week",
                                              "trend_effect", "improvement", "projected", "cap", "target", "date")}
                           for c in candidates],
    }
    context = {"viewer_name": viewer.name, "subject_name": subject.name, "subject_role": subject.role,
               "quarter": quarter, "facts": facts, "playbook": playbook}
    job = DraftJob(kind="goals", subject=subject, viewer=viewer, period=quarter, template="goals.j2", context=context,
                   schema=GoalsOut, facts=grounding, computed=computed, checks=claims, compose=compose_goals,
                   trim_steps=[pop_last("playbook", keep=1), shorten_series("kpis", field="history", floor=0)])
    job.verify = lambda out: verify(out, candidates, retire)
    return job


def claims(out: GoalsModelOut) -> list[tuple[str, str, list[str], bool]]:
    found = [(f"goals[{i}]", " ".join([g.title, g.window, g.statistic, g.arithmetic, g.rationale, g.guardrail or "",
                                       g.date]), g.sources, True) for i, g in enumerate(out.goals)]
    found += [(f"retire[{i}]", f"{r.reason} {r.replacement or ''}", r.sources, True) for i, r in enumerate(out.retire)]
    return found + [(f"notes[{i}]", n.text, n.sources, False) for i, n in enumerate(out.notes)]


def verify(out: GoalsModelOut, candidates: list[dict[str, Any]], retire: list[dict[str, Any]]) -> dict[str, list[str]]:
    """A goal's figures must be the computed ones for its KPI, not merely numbers found in the facts."""
    by_kpi = {c["kpi"]: c for c in candidates}
    problems: dict[str, list[str]] = {}
    for i, g in enumerate(out.goals):
        c = by_kpi.get(g.kpi)
        if c is None:
            problems[f"goals[{i}]"] = [f"kpi {g.kpi!r} does not match the computed candidates ({', '.join(by_kpi)})"]
            continue
        found = [f"{name} {getattr(g, name)} does not match the computed figure {c[name]}"
                 for name in ("baseline", "trend_per_week", "improvement", "target")
                 if abs(getattr(g, name) - c[name]) > TOLERANCE]
        found += [f"{name} {getattr(g, name)!r} does not match the computed {c[name]!r}"
                  for name in ("objective", "date") if getattr(g, name) != c[name]]
        if found:
            problems[f"goals[{i}]"] = found
    keys = {r["kpi"] for r in retire}
    for i, r in enumerate(out.retire):
        if r.kpi not in keys:
            problems[f"retire[{i}]"] = [f"kpi {r.kpi!r} does not match the computed retire list ({', '.join(keys)})"]
    return problems


def draft_goals(session: Session, viewer: Person, subject: Person, quarter: str, *,
                provider: Provider | None = None) -> Draft:
    """Draft, guard and store next-quarter role goal suggestions for ``subject``."""
    return run(session, gather(session, viewer, subject, quarter), provider)


def accept_suggestion(session: Session, viewer: Person, draft_id: int, index: int, *, title: str | None = None,
                      target: float | None = None) -> RoleGoal:
    """Store goal suggestion ``index`` of a goals draft as a role goal, optionally edited first.

    Only a founder or the person's manager may (``create_goal`` checks). The draft records
    which suggestion became which goal, and turns ``accepted`` (``edited`` when changed).
    """
    draft = get_visible_draft(session, viewer, draft_id)
    if draft.kind != "goals":
        raise NotFound("goal suggestion not found")
    suggestions = list(draft.output.get("goals") or [])
    if not 0 <= index < len(suggestions):
        raise NotFound("goal suggestion not found")
    chosen = dict(suggestions[index])
    if chosen.get("accepted_goal_id"):
        raise Conflict(f"suggestion {index} is already goal {chosen['accepted_goal_id']}")
    subject = session.get(Person, draft.subject_id)
    body = GoalCreate(person=subject.email, quarter=draft.period, title=title or chosen["title"], kpi=chosen.get("kpi"),
                      target=chosen.get("target") if target is None else target, objective=chosen.get("objective"))
    goal = create_goal(session, viewer, body)
    edited = (title is not None and title != chosen["title"]) or (target is not None and target != chosen.get("target"))
    chosen["accepted_goal_id"] = goal.id
    if edited:
        chosen["edited"] = {"title": body.title, "target": body.target}
    output = copy.deepcopy(draft.output)
    output["goals"][index] = chosen
    status = DraftStatus.edited if edited or draft.status == DraftStatus.edited else DraftStatus.accepted
    set_status(session, viewer, draft_id, status, output)
    return goal
