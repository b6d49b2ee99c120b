"""Next-quarter role goals: two to four SMART goals with their arithmetic, and KPIs to retire.

The record is read here; every figure a goal carries is computed in goal_math.py, and the
model (or the offline composer) must repeat those figures unchanged (``verify``).
"""

from __future__ import annotations

import copy
from typing import Any

from sqlmodel import Session, col, select

from assistant.analysis import goal_progress, quarter_bounds
from assistant.assessment.stored import audits_for
from assistant.core.templates import fmt_number
from assistant.domain.calendar import previous_quarter
from assistant.domain.drafts import get_visible_draft, set_status
from assistant.domain.goals import create_goal, outcome
from assistant.domain.kpi_links import closest_objective, links_for, names
from assistant.domain.kpis import series
from assistant.domain.models import Company, Draft, DraftStatus, Kpi, Objective, Person, RoleGoal
from assistant.domain.quarters import planning_quarter, quarter_in_force, quarter_objectives
from assistant.domain.schemas import GoalCreate
from assistant.domain.sources import kpi_source
from assistant.domain.team import is_manager_of
from assistant.drafting import context as ctx
from assistant.drafting.budget import pop_last, pop_last_fact, shorten_series
from assistant.drafting.kinds import goal_math as gm
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
from assistant.kpi_audit.stored import VisibleKpis
from assistant.llm import Provider

MAX_GOALS = 3
TOLERANCE = 0.005 + 1e-9  # a figure written at 2 places still equals the computed one
RETIRE_CODES = ("vanity", "not_influenceable")
# The audit judges 'no objective' against the quarter it audits; a draft for another quarter
# judges it against that quarter's links instead, so the audit's flag would name the wrong ids.
OTHER_QUARTER_CODES = ("no_objective",)
COMPUTED_FIELDS = ("kpi", "unit", "objective", "link", "baseline", "window", "statistic", "trend_per_week",
                   "trend_effect", "improvement", "projected", "cap", "math_target", "target", "precision", "date",
                   "detail", "loosened", "bound_to_guardrail", "process", "owner", "checkpoints")
"""What a goals draft stores of each candidate's arithmetic beside the model's output."""
SAID_ELSEWHERE = ("loosened", "objective_title")
"""Candidate fields the prompt leaves out: the arithmetic says the first, the objectives list the second."""
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


def stage_reason(stage: str, kpi: Kpi, entry: Any, objective: Objective, link_status: str) -> str:
    """Why this KPI leads at this stage and which objective it serves; the stage is named."""
    fit = entry.stage if entry else "any"
    rate = kpi.unit in ("percent", "ratio", "score")
    focus = {"volume": "a rate behind volume" if rate else "a volume measure", "quality": "a quality measure",
             "any": "a measure that matters at any stage"}[fit]
    link = "" if link_status == "confirmed" else " (a suggested link: confirm it on the Quarter plan)"
    words = STAGE_WORDS.get(stage, STAGE_WORDS["growth"])
    return f"Assumes the {stage} stage: {words}. {kpi.name} is {focus} and serves '{objective.title}'{link}."


def _previous_goal(session: Session, subject: Person, kpi: Kpi, quarters: list[str]) -> RoleGoal | None:
    """The latest active or just-ended goal on ``kpi`` in ``quarters`` (a dropped one binds nothing)."""
    return session.exec(select(RoleGoal).where(
        RoleGoal.person_id == subject.id, RoleGoal.kpi_id == kpi.id, col(RoleGoal.quarter_id).in_(quarters),
        col(RoleGoal.status).in_(["active", "achieved", "missed"]), col(RoleGoal.target).is_not(None))
        .order_by(col(RoleGoal.quarter_id).desc(), col(RoleGoal.id).desc())).first()


def _guard_floor(session: Session, guard_id: int | None, visible: VisibleKpis, start: Any) -> dict[str, Any] | None:
    """The level a gamed KPI's guardrail must hold: its own baseline before the quarter."""
    g = visible.by_id(guard_id) if guard_id else None
    before = [p for p in series(session, guard_id, until=start)] if g is not None else []
    before = [p for p in before if p[0] < start]
    if not before:
        return None
    level, window = gm.baseline(before)
    return {"value": level, "unit": g.unit, "direction": g.direction,
            "sources": [kpi_source(g.key, d) for d, _ in window[-1:]]}


def kpi_phrases(kpi: Kpi, entry: Any) -> list[str]:
    """What an objective's title may call this KPI: its own name, its catalog name and aliases."""
    return [kpi.name, *([entry.name, *entry.aliases] if entry else [])]


def settle(kpi: Kpi, goal: dict[str, Any], points: list[Any], objective: Objective, end: Any,
           previous: Any, shared: bool) -> dict[str, Any]:
    """The target after the arithmetic: the objective's own number, the unit's range, the KPI's
    precision; then one readable sentence, and whether it is looser than a goal already agreed.

    ``previous`` is the latest goal agreed on the KPI, as ``domain.goals.outcome`` reads it (an
    ended quarter's goal judged on its final value); ``shared`` whether the objective's title names
    this KPI (only then is its number this KPI's bar: 'listing conversion to 15.5%' is not a return
    rate's)."""
    unit, better = kpi.unit, gm.better_sign(kpi.direction)
    number = gm.objective_number(objective.title)
    target, steps = goal["target"], []
    if gm.objective_applies(number, kpi, shared):
        bar = number["value"]
        if (bar - goal["cap"]) * better > 0:
            # The company's bar is past what this KPI's record makes plausible in one quarter.
            target = max(target, goal["cap"]) if better > 0 else min(target, goal["cap"])
            steps.append(f"the objective asks {fmt_number(bar, unit)}, past the cap, so the target stops short of it")
        elif (bar - target) * better > 0:
            target = bar
            steps.append(f"the objective's own {fmt_number(bar, unit)} sets the target")
        else:
            steps.append(f"it clears the objective's {fmt_number(bar, unit)}")
    places = gm.precision([v for _, v in points])
    settled = gm.feasible(target, kpi, places)
    if (settled - goal["baseline"]) * better <= 0 < (target - goal["baseline"]) * better:
        # Rounding ate the whole step: ask for one reported unit better than the baseline.
        settled = gm.feasible(round(goal["baseline"], places) + better * 10 ** -places, kpi, places)
    if settled != round(target, 2):
        steps.append(f"{fmt_number(settled, unit)} as {kpi.name} is reported (" +
                     ("whole numbers" if places == 0 else f"{places} decimal place{'s' if places > 1 else ''}") +
                     (", within 0-100%" if unit == "percent" and not 0 <= target <= 100 else "") + ")")
    trend = goal["trend_per_week"] * better
    parts = [f"baseline {fmt_number(goal['baseline'], unit)} over the last {goal['baseline_points']} values",
             "trend " + ("flat" if trend == 0 else "improving" if trend > 0 else "worsening")]
    prev = None
    if previous is not None:
        prev = {"title": previous.title, "quarter": previous.quarter, "status": previous.status.value,
                "target": previous.target, "final_value": previous.final_value, "gap": previous.gap}
        agreed = f"the {previous.quarter} goal {fmt_number(previous.target, unit)}"
        if previous.status.value in ("achieved", "missed") and previous.final_value is not None:
            by = gm.gap_text(previous.final_value, previous.target, unit)
            parts.append(f"{agreed} was {previous.status.value}" + (f" by {by}" if previous.status.value == "missed"
                                                                     else "") +
                         f" (final {fmt_number(previous.final_value, unit)})")
        elif previous.status.value in ("achieved", "missed"):
            parts.append(f"{agreed} was {previous.status.value}")
        else:
            agreed_clause = f"{agreed} is active, the baseline " + gm.gap_to(goal["baseline"], previous.target, unit,
                                                                              kpi.direction)
            parts.append(agreed_clause)
    if goal["capped"]:
        parts.append(f"capped at {fmt_number(goal['cap'], unit)}, {gm.CAP_PCT}% past the best value so far"
                     + (" (of the room left to 100%)" if gm.room(goal["best"], unit, better) != abs(goal["best"])
                        else ""))
    parts += steps
    parts.append(f"proposed {fmt_number(settled, unit)} by {end.isoformat()}")
    loosened = None
    if previous is not None and gm.looser(settled, previous.target, kpi.direction):
        distance = gm.gap_text(goal["baseline"], previous.target, unit)
        why = (f"the record caps what one quarter can plausibly reach at {fmt_number(goal['cap'], unit)}"
               if goal["capped"] else f"further than one quarter's {gm.IMPROVEMENT_PCT}% step reaches")
        loosened = (f"looser than the {previous.status.value} {previous.quarter} goal of "
                    f"{fmt_number(previous.target, unit)}: the baseline is {distance} from it, {why}")
        if previous.status.value == "active":
            parts.remove(agreed_clause)  # the loosened sentence says it again, with the reason
        parts.append(loosened)
    detail = goal["arithmetic"] + ("; then " + "; ".join(steps) if steps else "")
    return {"target": settled, "math_target": goal["target"], "arithmetic": "; ".join(parts) + ".", "detail": detail,
            "previous_goal": prev,
            "loosened": loosened, "objective_number": number, "precision": places}


def _title(kpi: Kpi, goal: dict[str, Any], target: float, end: Any, guard: dict[str, Any] | None,
           floor: dict[str, Any] | None, gamed: bool) -> str:
    verb = "Bring down" if kpi.direction == "down" else "Raise"
    title = (f"{verb} {kpi.name} from {fmt_number(goal['baseline'], kpi.unit)} "
             f"to {fmt_number(target, kpi.unit)} by {end}")
    if gamed and guard and floor:
        holds = "rising above" if floor["direction"] == "down" else "falling below"
        return title + f" without {guard['name']} {holds} {fmt_number(floor['value'], floor['unit'])}"
    if gamed and guard:
        return title + f", only with {guard['name']} tracked beside it as the guardrail"
    return title + (f", with {guard['name']} as the guardrail" if guard else "")


def _bind_to_guardrail_goals(candidates: list[dict[str, Any]], end: str) -> None:
    """A gamed KPI whose guardrail carries a goal of its own is bound to that goal's target, so the
    two goals ask for the same thing ("without TACOS rising above 11.8%", not its older level)."""
    by_key = {c["kpi"]: c for c in candidates}
    for c in candidates:
        guard = by_key.get((c["guardrail"] or {}).get("key")) if c["bound_to_guardrail"] else None
        if guard is None:
            continue
        c["guardrail_floor"] = {"value": guard["target"], "unit": guard["unit"], "direction": guard["direction"],
                                "sources": guard["sources"][:1], "goal": True}
        c["rank"] = (True, *c["rank"][1:])  # the guardrail's own goal leads
        kpi = Kpi(key=c["kpi"], name=c["kpi_name"], unit=c["unit"], direction=c["direction"])
        c["title"] = _title(kpi, c, c["target"], end, c["guardrail"], c["guardrail_floor"], True)


def process_goal(subject: Person, objective: Objective, watched: list[Kpi], stage: str, start: Any, end: Any,
                 order: list[str]) -> dict[str, Any]:
    """A milestone objective as a dated deliverable owned by ``subject``: no KPI level, two checkpoints
    on the way, and the KPIs of theirs that serve it named as what to watch. The owner comes from those
    KPIs' links, else from the role (then the founder confirms it)."""
    due = gm.milestone_due(objective.title, start, end) or end
    plan, half = gm.checkpoints(start, due)
    how = (f"{subject.name} owns it: their {', '.join(k.name for k in watched)} serves it" if watched else
           f"{subject.name} owns it as {subject.role}, the role nearest it (matched by meaning: confirm the owner)")
    late = f"; the objective's date falls after the quarter's last day, {end.isoformat()}" if due > end else ""
    return {"kpi": None, "kpi_name": None, "unit": None, "direction": None, "tier": None, "objective": objective.key,
            "objective_title": objective.title, "link": "confirmed" if watched else "suggested",
            "link_reason": how, "guardrail": None, "guardrail_floor": None, "bound_to_guardrail": False,
            "process": True, "owner": subject.name, "checkpoints": [plan.isoformat(), half.isoformat()],
            "title": f"{objective.title.rstrip('.')}: {subject.name} delivers it by {due.isoformat()}"[:240],
            "baseline": None, "window": "", "statistic": "", "trend_per_week": None, "trend_effect": None,
            "improvement": None, "projected": None, "cap": None, "math_target": None, "target": None,
            "precision": None, "date": due.isoformat(), "detail": "", "loosened": None, "flags": [],
            "arithmetic": (f"a deliverable, not a KPI level: the plan agreed by {plan.isoformat()}, half done by "
                           f"{half.isoformat()}, delivered by {due.isoformat()} (the objective's own date){late}."),
            "rationale": (f"Assumes the {stage} stage: a milestone counts whatever the stage. {how}."),
            "rank": gm.importance(stage, "any", named=True, gamed=False, primary=True,
                                  order=order.index(objective.key)),
            "sources": []}


def gather(session: Session, viewer: Person, subject: Person, quarter: str | None) -> DraftJob:
    ctx.require_visible(session, viewer, subject)
    if not (viewer.access == "founder" or is_manager_of(session, viewer, subject.id)):
        raise Forbidden("role goals are drafted by a founder, or a manager for their reports")
    quarter = quarter or planning_quarter()
    start, end = quarter_bounds(quarter)
    company = session.exec(select(Company)).first()
    stage = company.stage if company else "growth"
    objectives_quarter = quarter if quarter_objectives(session, quarter) else quarter_in_force()
    objectives = {o.key: o for o in quarter_objectives(session, objectives_quarter)}
    # Only the subject's KPIs are read whole; guardrails are looked up one by one (loading
    # every visible KPI grew with the org: 8,000 rows for a founder at 1,000 people).
    visible = VisibleKpis(session, viewer)
    # The subject's audits only (auditing every visible KPI grew with the org: 5 s at 1,000 people),
    # kept like an assessment until a write changes what they read.
    audits = {a.id: a for a in audits_for(session, subject, viewer=viewer, today=start)}
    own = sorted(visible.owned_by(subject.id), key=lambda k: (k.tier != "primary", k.id))
    links = links_for(session, own, objectives_quarter)
    flags = [{k: f[k] for k in ("kpi", "code", "severity", "reason", "sources")}
             for f in ctx.flag_records(list(audits.values())) if f["code"] not in OTHER_QUARTER_CODES]
    earlier = [previous_quarter(quarter), quarter_in_force(), quarter]
    candidates, retire, notes, kpi_rows, counterparts = [], [], [], [], []
    milestones: dict[str, list[Kpi]] = {}  # milestone objective key -> the subject's KPIs linked to it
    own_names = {k.name.lower() for k in own}
    for kpi in own:
        audit, link = audits.get(kpi.key), links[kpi.id]
        codes = [f.code for f in audit.flags if f.code not in OTHER_QUARTER_CODES] if audit else []
        points = series(session, kpi.id, until=end)
        before = [p for p in points if p[0] < start]
        kpi_rows.append({"key": kpi.key, "name": kpi.name, "unit": kpi.unit, "direction": kpi.direction,
                         "tier": kpi.tier, "target": kpi.target, "flags": codes,
                         "objective": link.objective.key if link.objective else None, "link": link.status,
                         "history": [[d.isoformat(), v] for d, v in before[-TREND_POINTS:]]})
        last_source = [kpi_source(kpi.key, d) for d, _ in before[-1:]]
        retiring = [f for f in audit.flags if f.code in RETIRE_CODES] if audit else []
        if retiring:
            replacement = audit.suggested  # the audit's pick, one the owner's role can move
            retire.append({"kpi": kpi.key, "kpi_name": kpi.name,
                           "action": "retire" if any(f.code == "vanity" for f in retiring) else "demote",
                           "reason": " ".join(f.reason for f in retiring)[:400], "replacement": replacement,
                           "sources": last_source})
            if replacement and replacement.lower() not in own_names:
                counterparts.append((kpi, replacement, link.objective))
            continue
        if link.objective is None:
            retire.append({"kpi": kpi.key, "kpi_name": kpi.name, "action": "demote",
                           "reason": f"{kpi.name} {link.reason}"[:400], "replacement": None,
                           "sources": last_source})
            continue
        if gm.milestone_due(link.objective.title, start, end) is not None:
            # A dated deliverable: its owner is the person whose KPI serves it, and no KPI level
            # says whether it was delivered.
            milestones.setdefault(link.objective.key, []).append(kpi)
            continue
        goal = compute_goal(kpi, points, start, end)
        if goal is None:
            notes.append(f"{kpi.name} carries no goal yet: it has no values before {start.isoformat()}.")
            continue
        objective = link.objective
        entry = _catalog_entry(audit.matched.name if audit and audit.matched else None)
        named = names(objective.title, kpi_phrases(kpi, entry))
        guard, guard_id = guardrail_for(kpi, audit, visible)
        gamed = "gamed" in codes
        floor = _guard_floor(session, guard_id, visible, start) if gamed else None
        if guard_id is not None:
            last = series(session, guard_id, until=end)
            goal["sources"] += [kpi_source(guard["key"], d) for d, _ in [p for p in last if p[0] < start][-1:]]
        previous = _previous_goal(session, subject, kpi, earlier)
        settled = settle(kpi, goal, points, objective, end, outcome(session, previous) if previous else None, named)
        goal.update(settled)
        candidates.append({"kpi": kpi.key, "kpi_name": kpi.name, "unit": kpi.unit, "direction": kpi.direction,
                           "tier": kpi.tier, "objective": objective.key, "objective_title": objective.title,
                           "link": link.status, "link_reason": link.reason, "guardrail": guard,
                           "guardrail_floor": floor, "bound_to_guardrail": gamed,
                           "title": _title(kpi, goal, goal["target"], end.isoformat(), guard, floor, gamed),
                           "flags": codes, "rationale": stage_reason(stage, kpi, entry, objective, link.status)
                           + (" The audit calls it gamed: the goal holds its guardrail too." if gamed else ""),
                           "rank": gm.importance(stage, entry.stage if entry else "any", named=named, gamed=False,
                                                 primary=kpi.tier == "primary",
                                                 order=list(objectives).index(objective.key)),
                           "process": False, "owner": subject.name, "checkpoints": [], **goal})
    _bind_to_guardrail_goals(candidates, end.isoformat())
    first = subject.name.split()[0]
    for key, watched in milestones.items():
        candidates.append(process_goal(subject, objectives[key], watched, stage, start, end, list(objectives)))
    if not candidates and objectives and not counterparts:
        role_kpis = ", ".join(k.name for k in own)
        aim = closest_objective(f"{subject.role}. {role_kpis}", list(objectives.values()))
        if gm.milestone_due(aim.title, start, end) is not None:
            candidates.append(process_goal(subject, aim, [], stage, start, end, list(objectives)))
        else:
            notes.append(f"{subject.name} has no KPI that serves one of {objectives_quarter}'s objectives yet; as "
                         f"{subject.role} they could serve '{aim.title}': agree a KPI for it with them.")
    candidates = sorted(candidates, key=lambda c: c["rank"])[:MAX_GOALS]
    # What the draft stores beside the output; the prompt sees the one-sentence arithmetic only.
    stored = [{k: c[k] for k in COMPUTED_FIELDS} for c in candidates]
    for c in candidates:
        for k in ("detail", "objective_number", "previous_goal", "link_reason", "math_target", "precision",
                  "trend_over_quarter", "best_period", "flags", "kpi_name", "tier", "baseline_points", "rank"):
            c.pop(k, None)
        if not c["process"]:  # what only a deliverable carries stays out of a KPI goal's facts
            for k in ("process", "owner", "checkpoints"):
                c.pop(k)
    if objectives_quarter != quarter:
        notes.insert(0, f"No objectives are planned for {quarter} yet; the goals trace to {objectives_quarter}'s.")
    for kpi, replacement, objective in counterparts[:1]:
        aim = f" for '{objective.title}'" if objective else ""
        notes.append(f"Agree {replacement} with {first} in place of {kpi.name}{aim}: it is the measure their "
                     "work moves, and it can carry a goal once it has values.")
    notes, retire = notes[:3], retire[:4]
    last_quarter = previous_quarter(quarter)
    facts: dict[str, Any] = {
        "subject": {"name": subject.name, "role": subject.role}, "quarter": quarter,
        "quarter_start": start.isoformat(), "quarter_end": end.isoformat(), "stage": stage,
        "objectives_quarter": objectives_quarter,
        "objectives": [{"key": o.key, "title": o.title, "number": gm.objective_number(o.title)}
                       for o in objectives.values()],
        "policy": {"baseline_points": BASELINE_POINTS, "trend_points": TREND_POINTS, "horizon_weeks": HORIZON_WEEKS,
                   "improvement_pct": IMPROVEMENT_PCT, "cap_pct": CAP_PCT},
        # A copy: a trim drops from the prompt's list, and verify reads every computed candidate.
        "kpis": kpi_rows, "flags": flags, "retire": retire, "notes": notes,
        "candidates": [{k: v for k, v in c.items() if k not in SAID_ELSEWHERE} for c in candidates],
        # How each of last quarter's goals ended (an ended quarter's open goal judged on its final value).
        "last_quarter": {"quarter": last_quarter, "goals": [
            {**g.model_dump(mode="json", include={"title", "kpi", "target", "latest_value", "latest_period",
                                                  "on_track", "sources"}),
             **outcome(session, session.get(RoleGoal, g.goal_id)).model_dump(mode="json", include={
                 "status", "final_value", "gap"})}
            for g in goal_progress(session, subject, last_quarter)]},
    }
    playbook = ctx.playbook_blocks(["SMART goals that trace to a quarterly objective",
                                    "guardrail counter-metric so a KPI cannot be gamed",
                                    "vanity metrics to retire"], limit=4)
    kpi_sources = {s for c in candidates for s in c["sources"]} | {s for r in retire for s in r["sources"]}
    kpi_sources |= {s for c in candidates if c["guardrail_floor"] for s in c["guardrail_floor"]["sources"]}
    kpi_sources |= {s for f in flags for s in f["sources"]}
    kpi_sources |= {s for g in facts["last_quarter"]["goals"] for s in g["sources"]}
    grounding = ctx.grounding_facts(facts, checkins=[], history=[], playbook=playbook,
                                    kpi_sources=kpi_sources, extra_sources=set())
    computed = {
        "quarter": quarter, "stage": stage, "objectives_quarter": objectives_quarter,
        "computed_goals": stored,
    }
    context = {"viewer_name": viewer.name, "subject_name": subject.name, "subject_role": subject.role,
               "quarter": quarter, "facts": facts, "playbook": playbook}
    job = DraftJob(kind="goals", subject=subject, viewer=viewer, period=quarter, template="goals.j2", context=context,
                   schema=GoalsOut, facts=grounding, computed=computed, checks=claims, compose=compose_goals,
                   # The playbook and the KPIs' histories first, then the context a candidate already
                   # summarises: audit flags, KPI rows, last quarter's goals; last of all the least
                   # important candidate beyond two (the draft says so), when the reply's schema and
                   # three long candidates are more than the budget holds.
                   trim_steps=[pop_last("playbook", keep=1), shorten_series("kpis", field="history", floor=0),
                               pop_last("playbook"), pop_last_fact("flags"), pop_last_fact("kpis"),
                               pop_last_fact("last_quarter", "goals"), pop_last_fact("candidates", keep=2)])
    job.verify = lambda out: verify(out, candidates, retire)
    return job


def claims(out: GoalsModelOut) -> list[tuple[str, str, list[str], bool]]:
    # A process goal cites no KPI value: its figures are the objective's own date and checkpoints.
    found = [(f"goals[{i}]", " ".join([g.title, g.window, g.statistic, g.arithmetic, g.rationale, g.guardrail or "",
                                       g.date]), g.sources, g.kpi is not None) for i, g in enumerate(out.goals)]
    found += [(f"retire[{i}]", f"{r.reason} {r.replacement or ''}", r.sources, True) for i, r in enumerate(out.retire)]
    return found + [(f"notes[{i}]", n.text, n.sources, False) for i, n in enumerate(out.notes)]


def verify(out: GoalsModelOut, candidates: list[dict[str, Any]], retire: list[dict[str, Any]]) -> dict[str, list[str]]:
    """A goal's figures must be the computed ones for its KPI, not merely numbers found in the facts."""
    by_kpi = {c["kpi"] if c["kpi"] else f"process:{c['objective']}": c for c in candidates}
    problems: dict[str, list[str]] = {}
    for i, g in enumerate(out.goals):
        c = by_kpi.get(g.kpi if g.kpi else f"process:{g.objective}")
        if c is None:
            problems[f"goals[{i}]"] = [f"kpi {g.kpi!r} does not match the computed candidates ({', '.join(by_kpi)})"]
            continue
        found = [f"{name} {getattr(g, name)} does not match the computed figure {c[name]}"
                 for name in ("baseline", "trend_per_week", "improvement", "target")
                 if (getattr(g, name) is None) != (c[name] is None)
                 or (c[name] is not None and abs(getattr(g, name) - c[name]) > TOLERANCE)]
        found += [f"{name} {getattr(g, name)!r} does not match the computed {c[name]!r}"
                  for name in ("objective", "date") if getattr(g, name) != c[name]]
        if found:
            problems[f"goals[{i}]"] = found
    keys = {r["kpi"] for r in retire}
    for i, r in enumerate(out.retire):
        if r.kpi not in keys:
            problems[f"retire[{i}]"] = [f"kpi {r.kpi!r} does not match the computed retire list ({', '.join(keys)})"]
    return problems


def draft_goals(session: Session, viewer: Person, subject: Person, quarter: str | None, *,
                provider: Provider | None = None) -> Draft:
    """Draft, guard and store role goal suggestions for ``subject`` for ``quarter`` (default: the
    quarter being planned, next quarter once the current one is past its midpoint)."""
    return run(session, gather(session, viewer, subject, quarter), provider)


def accept_suggestion(session: Session, viewer: Person, draft_id: int, index: int, *, title: str | None = None,
                      target: float | None = None) -> RoleGoal:
    """Store goal suggestion ``index`` of a goals draft as a role goal, optionally edited first.

    Only a founder or the person's manager may (``create_goal`` checks). The draft records
    which suggestion became which goal, and turns ``accepted`` (``edited`` when changed).
    """
    # PostgreSQL: concurrent accepts of one draft queue on its row, and each reads the
    # suggestions as the previous one left them (SQLite's BEGIN IMMEDIATE already queues them).
    session.exec(select(Draft).where(Draft.id == draft_id).with_for_update()
                 .execution_options(populate_existing=True)).first()
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
