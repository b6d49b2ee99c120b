"""The audit as people read it: a summary line, a small table, and each flag's evidence in
sentences (the gamed flag's as a four-column table). ``cadence audit-kpis --format text``
prints ``format_text``; the web audit page renders ``evidence`` and ``gamed_table``.
"""

from __future__ import annotations

from typing import Any

from assistant.kpi_audit.catalog import get_catalog
from assistant.kpi_audit.rules import VERDICTS, Flag, KpiAudit
from assistant.kpi_audit.wording import fmt


def counts(audits: list[KpiAudit]) -> dict[str, int]:
    return {v: sum(a.verdict == v for a in audits) for v in VERDICTS}


def summary_line(audits: list[KpiAudit]) -> str:
    """'16 KPIs: 1 gamed, 1 vanity, 5 weak, 9 healthy'."""
    n = len(audits)
    return f"{n} KPI{'s' if n != 1 else ''}: " + ", ".join(f"{c} {v}" for v, c in counts(audits).items())


def gamed_table(flag: Flag) -> list[list[str]]:
    """Header and one row per series: the cited first and last points, the two half-averages, the noise."""
    ev = flag.evidence
    k, g = ev["kpi"], ev["guardrail"]
    h = k.get("half") or 0
    rows = [["", f"first ({k['from']})", f"last ({k['to']})", f"average, first {h}", f"average, last {h}",
             "week-to-week noise"]]
    for side in (k, g):
        unit = side.get("unit", "")
        rows.append([side["name"], fmt(side["first_value"], unit), fmt(side["last_value"], unit),
                     fmt(side["first_half_mean"], unit), fmt(side["second_half_mean"], unit),
                     f"±{fmt(side['noise'], unit)}"])
    return rows


def _names(ids: list[str]) -> str:
    catalog = get_catalog()
    known = {k.id: k.name for k in catalog.kpis}
    return ", ".join(known.get(i, i) for i in ids) or "none"


def evidence(flag: Flag) -> list[str]:
    """The flag's evidence as sentences (the gamed flag: the method; its figures are in ``gamed_table``)."""
    ev: dict[str, Any] = flag.evidence
    code = flag.code
    if code == "gamed":
        source = {"declared": "the guardrail the KPI declares", "same owner": "a counter-metric the same owner "
                  "tracks, paired by the catalog", "team": f"a counter-metric {ev['guardrail'].get('owner')} "
                  "tracks in the same team, paired by the catalog"}[ev["guardrail_source"]]
        out = [f"Guardrail: {source}.", f"Method: {ev['method']}."]
        if ev.get("other_guardrails_worse"):
            out.append("Other guardrails that worsened: " + ", ".join(
                f"{o['id']} ({o['endpoint_change_pct']:+.1f}%)" for o in ev["other_guardrails_worse"]) + ".")
        return out
    if code == "vanity":
        out = [f"Measured as a {ev.get('unit')} figure, reviewed {ev.get('frequency', 'weekly')}."]
        if ev.get("running"):
            out.append(f"It counts everything {ev['running']}.")
        if "counter_metric" in ev:
            out.append("No profit, cost or quality KPI of the owner or their team sits beside it.")
        return out
    if code == "not_influenceable":
        out = [f"The title '{ev['owner_role']}' reads as {ev['role_matched']} ({ev['role_confidence']:.0%} sure); "
               f"the KPI matched its catalog entry at {ev['kpi_match_confidence']:.0%}.",
               f"Roles that move it: {', '.join(ev['roles_that_move_it'])}."]
        if ev.get("report_roles"):
            out.append(f"The owner's reports: {', '.join(ev['report_roles'])}.")
        return out
    if code == "no_objective":
        objectives = ", ".join(ev["quarter_objectives"]) or "none"
        return [f"Objectives of the quarter in force: {objectives}; this KPI points to {ev['objective'] or 'none'}."]
    if code == "rarely_reviewed":
        if "median_gap_days" in ev:
            gap = ev["median_gap_days"]
            return [f"Declared {ev['frequency']}; its {ev['values']} values arrive a median {gap:.0f} days apart."]
        return [f"Declared {ev['frequency']}."]
    if code == "no_guardrail":
        if ev.get("found") is False:
            return [f"Declared guardrail: {ev['declared']} (not found)."]
        out = [f"Counter-metrics the catalog pairs it with: {_names(ev.get('catalog_guardrails', []))}."]
        if ev.get("tracked_elsewhere"):
            out.append(f"Tracked only outside the team: {', '.join(ev['tracked_elsewhere'])}.")
        return out
    if code == "stage_mismatch":
        return [f"Company stage: {ev['stage']}; the KPI measures {ev['kpi_focus']}; it is a {ev['tier']} KPI."]
    return []


def _table(rows: list[list[str]], indent: str = "") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def format_text(audits: list[KpiAudit]) -> str:
    """The summary line, a table of every KPI, then each KPI's flags with their evidence."""
    head = [["KPI", "VERDICT", "CATALOG MATCH", "GUARDRAIL"]]
    rows = [[a.id, a.verdict, f"{a.matched.name} ({a.matched.confidence:.2f})" if a.matched else "-",
             (a.guardrail or "-") + (f" ({a.guardrail_source})" if a.guardrail_source else "")] for a in audits]
    lines = [summary_line(audits), "", *_table(head + rows)]
    for a in audits:
        lines += ["", f"{a.id}: {a.name}", f"  {a.summary}"]
        for f in a.flags:
            lines.append(f"  - {f.code.replace('_', ' ')} ({f.severity}): {f.reason}")
            if f.code == "gamed":
                lines += _table(gamed_table(f), indent="      ")
            lines += [f"      {s}" for s in evidence(f)]
        if a.suggestion:
            lines.append(f"  Suggestion: {a.suggestion}")
    return "\n".join(lines) + "\n"


def flag_views(audit: KpiAudit) -> list[dict[str, Any]]:
    """Per flag, what a page shows: the flag, its evidence sentences and (gamed) its table."""
    return [{"flag": f, "lines": evidence(f), "table": gamed_table(f) if f.code == "gamed" else None}
            for f in audit.flags]
