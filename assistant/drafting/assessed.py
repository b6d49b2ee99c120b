"""The assessment as a draft's facts: compact, JSON-ready, and free of check-in wording.

The facts block is what the grounding guard trusts, so nothing a person typed goes in it:
a blocker thread's label and wording travel in their own data block (``thread_blocks``),
and the facts carry only its weeks, count, status and who it waits on (names from the
org, not from the text).
"""

from __future__ import annotations

from typing import Any

from assistant.assessment.model import Assessment, KpiReading, Point, TrendReading
from assistant.domain.calendar import iso_week_monday, quarter_of


def _point(p: Point | None) -> dict[str, Any] | None:
    return None if p is None else {"period": p.period.isoformat(), "value": p.value}


def trend_fact(t: TrendReading) -> dict[str, Any]:
    # The rule's wording stays out: the prompt states it once, and a prompt has no room for it per KPI.
    return {"label": t.label, "motion": t.motion, "from": _point(t.start), "to": _point(t.end),
            "change": t.change, "change_pct": t.change_pct}


def kpi_fact(k: KpiReading) -> dict[str, Any]:
    """A KPI as the facts show it: latest value against target, the trend between the two points it
    cites, the run on or off target and the audit's verdict (the whole series is the page's)."""
    row: dict[str, Any] = {
        "key": k.key, "name": k.name, "unit": k.unit, "direction": k.direction,
        "target": k.target, "value": k.value, "period": k.period.isoformat() if k.period else None,
        "on_target": k.on_target, "trend": trend_fact(k.trend), "verdict": k.verdict,
        "run": None if k.run is None else {"on_target": k.run.on_target, "points": k.run.points,
                                           "since": k.run.since.isoformat()},
        "sources": k.sources,
    }
    if k.guardrail is not None:
        g = k.guardrail
        row["guardrail"] = {"key": g.key, "name": g.name, "unit": g.unit, "worsened": g.worsened}
        # Its movement only where it matters: beside a gamed KPI, or when it is worsening.
        if k.verdict == "gamed" or g.worsened:
            row["guardrail"].update(trend=trend_fact(g.trend), sources=g.sources)
    elif k.guardrail_note:
        row["guardrail_note"] = k.guardrail_note
    if k.verdict in ("gamed", "vanity"):
        row["audit_reason"] = k.audit_reason
    if k.verdict == "vanity":
        row["suggestion"] = k.suggestion
    # Warnings below gamed and vanity are the audit page's; a brief has room for the critical ones.
    others = [f for f in k.findings if f.code not in ("gamed", "vanity") and f.severity == "critical"]
    if others:
        row["findings"] = [{"code": f.code, "severity": f.severity, "reason": f.reason, "sources": f.sources}
                           for f in others]
    return row


def thread_fact(i: int, t: Any) -> dict[str, Any]:
    return {"thread": i, "first_week": t.first_week, "last_week": t.last_week, "weeks": t.weeks, "times": t.times,
            "weeks_open": t.weeks_open, "status": t.status,
            "waits_on": [{"name": w.name, "role": w.role, "is_manager": w.is_manager} for w in t.waits_on],
            "explains_guardrail": t.explains_guardrail, "sources": t.sources}


def thread_blocks(a: Assessment) -> list[dict[str, Any]]:
    """The threads' wording for a data block: label and latest text, keyed like the facts."""
    return [{"thread": i, "id": t.sources[-1], "label": t.label, "latest": t.latest_text}
            for i, t in enumerate(a.threads)]


def waiting_blocks(a: Assessment) -> list[dict[str, Any]]:
    """The wording of the reports' blockers that wait on this manager, for a data block."""
    if a.rhythm is None:
        return []
    return [{"waiting": i, "id": w.sources[-1] if w.sources else None, "report": w.name, "label": w.label}
            for i, w in enumerate(a.rhythm.waiting_on_them)]


def cadence_fact(a: Assessment) -> dict[str, Any]:
    c = a.cadence
    return {"first_week": c.first_week, "last_week": c.last_week, "weeks": c.weeks, "meetings_held": c.held,
            "meetings_cancelled": c.cancelled, "meetings_rushed": c.rushed,
            "last_held": c.last_held.isoformat() if c.last_held else None, "weeks_since_held": c.weeks_since_held,
            "slipping": c.slipping, "missing_checkin_weeks": c.missing_checkin_weeks,
            "meetings": [[m.date.isoformat(), m.status] for m in c.meetings],
            "sources": c.sources}


def rhythm_fact(a: Assessment) -> dict[str, Any] | None:
    r = a.rhythm
    if r is None:
        return None
    return {"held": r.held, "cancelled": r.cancelled, "rushed": r.rushed, "poor": r.poor,
            "reports": [{"name": x.name, "held": x.held, "cancelled": x.cancelled, "rushed": x.rushed,
                         "last_held": x.last_held.isoformat() if x.last_held else None,
                         "weeks_since_held": x.weeks_since_held, "slipping": x.slipping, "sources": x.sources[-4:]}
                        for x in sorted(r.reports, key=lambda x: not x.slipping)[:REPORTS_SHOWN]],
            "waiting_on_them": [{"waiting": i, "report": w.name, "first_week": w.first_week,
                                 "weeks_open": w.weeks_open, "sources": w.sources}
                                for i, w in enumerate(r.waiting_on_them)]}


def goal_fact(g: Any) -> dict[str, Any]:
    return {"title": g.title, "kpi": g.kpi, "target": g.target, "baseline_value": g.baseline_value,
            "latest_value": g.latest_value, "on_track": g.on_track, "expected": g.expected, "on_pace": g.on_pace,
            "status": g.status,
            "conditions": [{"kpi": c.kpi, "kpi_name": c.kpi_name, "bound": c.bound, "direction": c.direction,
                            "value": c.value, "holds": c.holds} for c in g.conditions],
            "sources": g.sources}


def run_fact(r: Any) -> dict[str, Any]:
    # The run's first and last check-in and value cite it; the weeks between are counted.
    sources = r.sources if len(r.sources) <= 4 else r.sources[:2] + r.sources[-2:]
    return {"kpi": r.kpi, "kpi_name": r.kpi_name, "said": r.said, "kind": r.kind, "first_week": r.first_week,
            "last_week": r.last_week, "weeks": len(r.weeks), "from_value": r.from_value, "to_value": r.to_value,
            "target": r.target, "unit": r.unit, "sources": sources}


RUNS_SHOWN = 4  # self-report runs a draft carries, the latest first
REPORTS_SHOWN = 8  # a manager's reports a draft carries, the ones whose 1:1s slip first


def assessment_facts(a: Assessment) -> dict[str, Any]:
    """Everything the assessment found, in the facts' shape (the kinds add their own parts)."""
    q = a.quality
    return {
        "subject": {"name": a.name, "role": a.role, "manager": a.manager},
        "week": a.week, "window": a.window, "quarter": quarter_of(iso_week_monday(a.week)),
        "data_age": {"stale": a.age.stale, "notes": a.age.notes, "current_week": a.age.current_week,
                     "last_checkin_week": a.age.last_checkin_week, "checkin_weeks_ago": a.age.checkin_weeks_ago,
                     "kpi_weeks_ago": a.age.kpi_weeks_ago,
                     "last_kpi_period": a.age.last_kpi_period.isoformat() if a.age.last_kpi_period else None},
        "kpis": [kpi_fact(k) for k in a.kpis],
        "goals": [goal_fact(g) for g in a.goals],
        "self_report_runs": [run_fact(r) for r in a.self_report[:RUNS_SHOWN]],
        "blocker_threads": [thread_fact(i, t) for i, t in enumerate(a.threads)],
        "cadence": cadence_fact(a),
        "rhythm": rhythm_fact(a),
        "follow_through": [f.model_dump(mode="json") for f in a.follow_through],
        "wins_worth_recognising": [{"kind": w.kind, "kpi": w.kpi, "sources": w.sources} for w in a.wins],
        "checkin": {"filed": q.filed, "empty": q.empty, "wins": q.wins.label, "priorities": q.priorities.label,
                    "blockers": q.blockers.label, "wins_kpis": q.wins.kpis, "priorities_kpis": q.priorities.kpis,
                    "blocker_names": [n.name for n in q.names], "has_kpis": q.has_kpis,
                    "has_manager": q.has_manager, "sources": q.sources},
    }


def assessment_sources(a: Assessment) -> set[str]:
    """Every id the assessment rests on: citable by a draft built from it."""
    out: set[str] = set()
    for k in a.kpis:
        out |= set(k.sources) | {p.source for p in k.series}
        if k.guardrail:
            out |= set(k.guardrail.sources)
            out |= {p.source for p in (k.guardrail.trend.start, k.guardrail.trend.end) if p}
        if k.run:
            out |= set(k.run.sources)
    for part in (a.goals, a.self_report, a.threads, a.follow_through, a.wins):
        for x in part:
            out |= set(x.sources)
    out |= set(a.cadence.sources) | set(a.quality.sources)
    if a.rhythm:
        out |= set(a.rhythm.sources) | {s for w in a.rhythm.waiting_on_them for s in w.sources}
    return out
