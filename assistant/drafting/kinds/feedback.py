"""Check-in feedback: the four answers judged, the week tied to goals, patterns, one thing to sharpen.

Asked by the person about their own check-in (or by their managers). The judgements the
offline provider needs are computed here as labels (``answers``), never as check-in text:
the text reaches the model only inside the ``checkins`` data block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from assistant.analysis import (
    goal_progress,
    iso_week_monday,
    kpi_status,
    priority_follow_through,
    recurring_blockers,
    self_report_mismatches,
    weeks_back,
)
from assistant.analysis.kpi import KpiStatus
from assistant.analysis.text import is_empty, priority_items, words
from assistant.domain.calendar import quarter_of, today
from assistant.domain.meetings import open_actions_owned
from assistant.domain.models import CheckIn, Draft, Person
from assistant.domain.sources import checkin_source, kpi_source
from assistant.domain.team import is_manager_of
from assistant.drafting import context as ctx
from assistant.drafting.budget import pop_last, shorten_text
from assistant.drafting.offline import compose_feedback
from assistant.drafting.pipeline import DraftJob, run
from assistant.drafting.schemas import FeedbackModelOut
from assistant.errors import Forbidden, NotFound
from assistant.kpi_audit.stored import audit_visible
from assistant.llm import Provider

PATTERN_WEEKS = 8  # how far back "priorities that never turn into wins" looks
OWN_ACTIONS = 3  # open action items of the person's a feedback names (overdue first)
SERIES_POINTS = 4  # KPI points shown per KPI: the week's value and the three before it

_ACTIVITY = re.compile(r"\b(worked on|working on|looked into|spent|answered|handled|attended|meetings?|calls?|"
                       r"continued|started|helped|busy|tickets|emails|posts|tasks?|caught up|went through|"
                       r"got through)\b", re.IGNORECASE)
_OUTCOME = re.compile(r"\b(decided|decision|approved|signed|launched|shipped|closed|resolved|cut|reduced|lowered|"
                      r"raised|lifted|increased|improved|grew|won|hit|reached|fixed|saved|recovered|agreed|"
                      r"back up|down to|up to|under|above|below)\b", re.IGNORECASE)
_ASK = re.compile(r"\b(need|needs|decision|decide|approv\w*|sign[- ]?off|waiting (?:on|for)|budget|help|support|"
                  r"access|input|answer|go-ahead|ok from)\b", re.IGNORECASE)
_OWNER = re.compile(r"\b(?:from|with|by|on)\s+(?:the\s+|my\s+|our\s+)?(manager|founder|finance|ops|operations|"
                    r"design|designer|supplier|agency|lead|team|[A-Z][a-z]+)\b")


# Words in KPI names too common to show that a check-in talks about that KPI.
_GENERIC = {"rate", "share", "order", "per", "total", "average", "first", "time", "number", "new", "last", "day",
            "week", "hero", "sku", "all", "ad", "customer"}


# Its own class for its name, the schema title and tool name a model sees (and the cassettes
# hold); no docstring, which would reach the model as the schema's description.
class FeedbackOut(FeedbackModelOut):
    pass


def default_week(session: Session, subject: Person) -> str:
    from assistant.drafting.kinds.brief import default_week as latest

    return latest(session, subject)


def _kpi_words(statuses: list[KpiStatus]) -> dict[str, set[str]]:
    """Words that name each KPI in free text: its name and the key without the owner prefix."""
    out = {}
    for s in statuses:
        key_words = set(s.key.split("-")[1:]) or {s.key}
        out[s.key] = (words(s.name) | key_words) - _GENERIC
    return out


def judge_answers(checkin: CheckIn, statuses: list[KpiStatus], names: Iterable[str]) -> dict[str, Any]:
    """Labels for the three text answers (the metric check is judged against the data separately).

    wins: outcome | activity | empty. Outcome when a result or decision word appears, or one
    of the person's KPIs is named with a figure; activity when only effort words appear.
    priorities: measurable (a figure or a date) and whether a KPI of theirs is named; task_list
    when two or more items carry no figure. blockers: none | clear_ask (a need and someone to
    meet it) | ask_without_owner | no_ask. Keyword rules, deliberately simple: the offline
    draft's judgement, which a model may refine.
    """
    kpi_words = _kpi_words(statuses)
    text_words = {f: words(getattr(checkin, f) or "") for f in ("wins", "priorities", "blockers")}

    def names_kpi(field: str) -> list[str]:
        return [k for k, ws in kpi_words.items() if ws & text_words[field]]

    wins = checkin.wins or ""
    if is_empty(wins):
        wins_label = "empty"
    elif _OUTCOME.search(wins) or (names_kpi("wins") and re.search(r"\d", wins)):
        wins_label = "outcome"
    else:
        wins_label = "activity" if _ACTIVITY.search(wins) or not names_kpi("wins") else "outcome"
    pri = checkin.priorities or ""
    items = priority_items(pri) if not is_empty(pri) else []
    measurable = bool(re.search(r"\d", pri)) or bool(re.search(r"\b(by|before) (mon|tue|wed|thu|fri)", pri, re.I))
    task_list = len(items) >= 2 and not any(re.search(r"\d", i) for i in items)
    blk = checkin.blockers or ""
    first_names = {n.split()[0] for n in names if n and n.split()}
    if is_empty(blk):
        blockers_label = "none"
    else:
        owner = bool(_OWNER.search(blk)) or any(re.search(rf"\b{re.escape(n)}\b", blk) for n in first_names)
        ask = bool(_ASK.search(blk))
        blockers_label = "clear_ask" if ask and owner else "ask_without_owner" if ask else "no_ask"
    return {
        "wins": {"label": wins_label, "names_kpis": names_kpi("wins")},
        "priorities": {"label": "empty" if not items else "measurable" if measurable else
                       "task_list" if task_list else "not_measurable",
                       "items": len(items), "names_kpis": names_kpi("priorities")},
        "blockers": {"label": blockers_label},
    }


def metric_check(checkin: CheckIn, statuses: list[KpiStatus], mismatched: set[str]) -> list[dict[str, Any]]:
    """Each KPI the person owns: what the check-in said and what the data says for that week."""
    out = []
    for s in statuses:
        said = (checkin.metrics or {}).get(s.key)
        agrees = None if said in (None, "unclear") or s.on_target is None else s.key not in mismatched
        out.append({"kpi": s.key, "kpi_name": s.name, "said": said or "not_reported", "value": s.value,
                    "target": s.target, "unit": s.unit, "on_target": s.on_target, "agrees": agrees,
                    "sources": s.sources[:1]})
    return out


def goal_links(session: Session, subject: Person, week: str, statuses: list[KpiStatus],
               answers_text: set[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The quarter's role goals: did this week's data move each one, did the check-in touch it."""
    quarter = quarter_of(iso_week_monday(week))
    by_key = {s.key: s for s in statuses}
    kpi_words = _kpi_words(statuses)
    links = []
    for g in goal_progress(session, subject, quarter):
        s = by_key.get(g.kpi) if g.kpi else None
        moved = None
        if s is not None and s.value is not None and s.previous_value is not None:
            delta = s.value - s.previous_value
            moved = "flat" if delta == 0 else "better" if (delta < 0) == (s.direction == "down") else "worse"
        named = kpi_words.get(g.kpi, set()) if g.kpi else words(g.title) - _GENERIC
        touched = bool(named & answers_text)
        links.append({"goal": g.title, "kpi": g.kpi, "objective": g.objective, "target": g.target,
                      "value": s.value if s else None, "previous_value": s.previous_value if s else None,
                      "unit": s.unit if s else "", "moved_this_week": moved, "mentioned_in_checkin": touched,
                      "sources": [*s.sources[:1], *_prev_source(s)] if s else []})
    with_kpi = [g for g in links if g["kpi"] and g["target"] is not None]
    problem = ("no role goals are set for " + quarter if not links
               else "none of the role goals for " + quarter + " has a KPI and a target" if not with_kpi else None)
    return links, {"quarter": quarter, "clear": problem is None, "problem": problem}


def _prev_source(s: KpiStatus) -> list[str]:
    return [kpi_source(s.key, s.previous_period)] if s.previous_period else []


def patterns(session: Session, subject: Person, week: str) -> dict[str, Any]:
    """Blockers that keep coming back (up to this week) and priorities that do not become wins."""
    groups = [b for b in recurring_blockers(session, subject, week) if week in b.weeks]
    follow = priority_follow_through(session, subject, weeks_back(week, PATTERN_WEEKS))
    counts = {v: sum(1 for f in follow if f.verdict == v) for v in ("followed", "partly", "not_followed")}
    latest = next((f for f in follow if f.next_week == week), None)
    return {
        "recurring_blockers": [{"weeks": b.weeks, "times": len(b.weeks), "sources": b.sources} for b in groups],
        "follow_through": {"pairs": len(follow), **counts, "this_week": latest.verdict if latest else None,
                           "this_week_sources": latest.sources if latest else [],
                           "never_turn_into_wins": counts["not_followed"] >= 2 and counts["followed"] == 0,
                           "sources": sorted({s for f in follow for s in f.sources})},
    }


def gather(session: Session, viewer: Person, subject: Person, week: str) -> DraftJob:
    ctx.require_visible(session, viewer, subject)
    if viewer.id != subject.id and not (viewer.access == "founder" or is_manager_of(session, viewer, subject.id)):
        raise Forbidden("check-in feedback is for the person who filed it and their managers")
    checkin = session.exec(select(CheckIn).where(CheckIn.person_id == subject.id, CheckIn.week == week)).first()
    if checkin is None:
        raise NotFound(f"no check-in from {subject.email} for {week}")
    statuses = kpi_status(session, subject, week, viewer=viewer)
    flags = ctx.flag_records(audit_visible(session, viewer, owner_id=subject.id))
    mismatches = self_report_mismatches(session, subject, [week], include_unclear=True)
    # Names only: the blocker check needs first names, not 1,000 Person rows at 1,000 people.
    names = session.exec(select(Person.name).where(col(Person.id) != subject.id).distinct()).all()
    answers = judge_answers(checkin, statuses, names)
    text_words = words(f"{checkin.wins} {checkin.priorities} {checkin.blockers}")
    goals, role_goals = goal_links(session, subject, week, statuses, text_words)
    found = patterns(session, subject, week)
    checkins = ctx.checkin_blocks(session, subject, [week])
    history = ctx.history_blocks(session, viewer, subject, checkin, exclude_weeks=[week], k=4)
    queries = ["a good weekly check-in: wins are outcomes, priorities are measurable, blockers ask for a decision"]
    queries += ["check-in says on track but the data is off target"] if mismatches else []
    queries += ["a blocker that keeps coming back week after week"] if found["recurring_blockers"] else []
    queries += ["role goals are unclear: raise ownership with the manager"] if not role_goals["clear"] else []
    queries.append("recognising strong performance specifically")
    playbook = ctx.playbook_blocks(queries, limit=4)
    own_actions = open_actions_owned(session, viewer, subject, on=today())[:OWN_ACTIONS]

    kpis = []
    for s in statuses:
        row = ctx.kpi_record(s, exclude={"series"})
        row["series"] = [[p.isoformat(), v] for p, v in s.series[-SERIES_POINTS:]]
        kpis.append(row)
    facts: dict[str, Any] = {
        "subject": {"name": subject.name, "role": subject.role}, "week": week, "checkin_id": checkin_source(checkin.id),
        "answers": answers,
        "metric_check": metric_check(checkin, statuses, {m.kpi for m in mismatches if m.kind != "unclear"}),
        "self_report_mismatches": [m.model_dump(mode="json") for m in mismatches],
        "kpis": kpis, "flags": flags, "goals": goals, "role_goals": role_goals, "patterns": found,
        "own_actions": [ctx.action_fact(v) for v in own_actions],
    }
    kpi_sources = {src for s in statuses for src in s.sources}
    kpi_sources |= {src for g in goals for src in g["sources"]}
    kpi_sources |= {src for m in mismatches for src in m.sources}
    kpi_sources |= {src for f in flags for src in f["sources"]}
    kpi_sources |= {kpi_source(s.key, p) for s in statuses for p, _ in s.series[-SERIES_POINTS:]}
    extra = {src for b in found["recurring_blockers"] for src in b["sources"]}
    extra |= set(found["follow_through"]["sources"])
    extra |= {a["meeting"] for a in facts["own_actions"]}
    grounding = ctx.grounding_facts(facts, checkins=checkins, history=history, playbook=playbook,
                                    kpi_sources=kpi_sources, extra_sources=extra)
    computed = {
        "week": week,
        "metric_check": [{k: m[k] for k in ("kpi", "said", "value", "target", "on_target", "agrees")}
                         for m in facts["metric_check"]],
        "self_report_mismatches": [{"kpi": m.kpi, "week": m.week, "said": m.said, "actual": m.actual,
                                    "target": m.target} for m in mismatches],
        "role_goals": role_goals,
        "answers": {k: v["label"] for k, v in answers.items()},
    }
    context = {"viewer_name": viewer.name, "subject_name": subject.name, "subject_role": subject.role,
               "asked_by_subject": viewer.id == subject.id, "week": week, "facts": facts, "checkins": checkins,
               "history": history, "playbook": playbook, "own_actions": [ctx.action_block(v) for v in own_actions]}
    return DraftJob(
        kind="feedback", subject=subject, viewer=viewer, period=week, template="feedback.j2", context=context,
        schema=FeedbackOut, facts=grounding, computed=computed, checks=claims, compose=compose_feedback,
        trim_steps=[pop_last("history"), pop_last("playbook", keep=1), shorten_text("checkins", ctx.TEXT_FIELDS)],
    )


def claims(out: FeedbackModelOut) -> list[tuple[str, str, list[str], bool]]:
    return [(f"sections[{i}].items[{j}]", item.text, item.sources, True)
            for i, s in enumerate(out.sections) for j, item in enumerate(s.items)]


def draft_feedback(session: Session, viewer: Person, subject: Person, week: str | None = None, *,
                   provider: Provider | None = None) -> Draft:
    """Draft, guard and store feedback on ``subject``'s check-in for ``week`` (default: their latest)."""
    job = gather(session, viewer, subject, week or default_week(session, subject))
    return run(session, job, provider)
