"""KPI audit: which KPIs guide decisions, which only feel good, which are being gamed.

Pure functions over KPI facts and the catalog; deterministic, no LLM anywhere. Each KPI gets
flags, each with a fixed code, a severity, a one-sentence reason and the evidence behind it:

    gamed              it moved the better way while its guardrail moved the worse way
                       (both beyond their own noise: ``trends.judge``)
    vanity             an exposure or activity count, a running total, a once-a-year
                       top-line figure, or a top-line total with no margin or cost beside it
    not_influenceable  neither the owner's role, their reports' roles nor the KPI's own
                       description ties it to what the owner does (said only when sure)
    no_objective       it supports none of the objectives of the quarter in force
    rarely_reviewed    looked at less often than monthly
    no_guardrail       it can be gamed and nothing the owner or their team tracks would show it
    stage_mismatch     a volume KPI leading a mature company, or a quality one an early company

The verdict summarises the flags: gamed > vanity > weak (any warning or critical flag) >
healthy. Info flags are notes and never lower a verdict; "no guardrail" is never a note.
Guardrails are resolved in ``guardrails.py``; suggestions and the owner's framing are in
``wording.py``; text and page wording in ``present.py``.
"""

from __future__ import annotations

import statistics
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel

from assistant.kpi_audit import wording
from assistant.kpi_audit.catalog import Catalog, get_catalog, match, tokens
from assistant.kpi_audit.facts import KpiFacts, facts_from_orgfile, quarter_in_force
from assistant.kpi_audit.guardrails import Ctx, build
from assistant.kpi_audit.roles import KPI_SURE, can_move, match_role, movers
from assistant.kpi_audit.trends import MATERIAL, MIN_POINTS, WINDOW, aligned, judge, trend

REVIEW_GAP_DAYS = 45  # values arriving further apart than this are not reviewed monthly

FlagCode = Literal["vanity", "not_influenceable", "no_objective", "rarely_reviewed", "no_guardrail",
                   "gamed", "stage_mismatch"]
Severity = Literal["info", "warning", "critical"]
Verdict = Literal["gamed", "vanity", "weak", "healthy"]
VERDICTS: tuple[Verdict, ...] = ("gamed", "vanity", "weak", "healthy")

# Words that give a number money, cost, quality or comparison context (a rate, not a pile).
_CONTEXT_WORDS = {tokens(w)[0] for w in (
    "per rate ratio share percent margin profit cost roi return conversion resolution resolved quality "
    "accuracy defect error satisfaction net versus vs average median time days hours score index growth "
    "change retention churn repeat value runway"
).split()}
_QUALITY_WORDS = {tokens(w)[0] for w in "margin profit roi return quality satisfaction accuracy".split()}
# A running total only grows: "lifetime", "since launch", "all time", "cumulative", "to date".
_CUMULATIVE = ("lifetime", "since launch", "all time", "cumulative", "to date", "since we started")


class Flag(BaseModel):
    code: FlagCode
    severity: Severity
    reason: str
    evidence: dict[str, Any] = {}


class MatchedEntry(BaseModel):
    name: str
    confidence: float


class KpiAudit(BaseModel):
    """The audit of one KPI, in the shape the CLI, the API and the pages show."""

    id: str
    name: str
    verdict: Verdict
    summary: str  # one sentence: the verdict and the flags behind it
    matched: MatchedEntry | None
    guardrail: str | None
    guardrail_source: Literal["declared", "same owner", "team", "nearby"] | None = None
    guardrail_owner: str | None = None  # who tracks the guardrail, when it is not this KPI's owner
    flags: list[Flag]
    suggestion: str | None
    suggested: str | None = None  # the catalog KPI the suggestion names (to track instead or beside)
    counter_metric: str | None = None  # the catalog guardrail to set beside it, whatever the flags
    owner_note: str | None = None  # the verdict as the KPI's own owner reads it


# ---------------------------------------------------------------- entry point
def audit_kpis(kpis: list[KpiFacts], *, stage: str, objectives: set[str],
               catalog: Catalog | None = None, semantic: bool = True,
               only: set[str] | None = None) -> list[KpiAudit]:
    """Audit every KPI of one company against the quarter's ``objectives`` and its ``stage``.

    ``semantic=False`` reads names and titles without the embedder (alias + lexical only).
    ``only``: audit just these keys, with the whole list still read for guardrails (the
    same audits as the full run, filtered); the others' series are then only read when
    they guard one of these.
    """
    catalog = catalog or get_catalog()
    role_of = partial(match_role, catalog=catalog, semantic=semantic)
    matches = {k.key: match(k.name, k.description, unit=k.unit, semantic=semantic, catalog=catalog) for k in kpis}
    ctxs = build(kpis, matches, role_of)
    focus = kpis if only is None else [k for k in kpis if k.key in only]
    return [_audit_one(ctxs[k.key], catalog, role_of, stage=stage, objectives=objectives) for k in focus]


def _audit_one(c: Ctx, catalog: Catalog, role_of: Any, *, stage: str, objectives: set[str]) -> KpiAudit:
    gamed = _gamed(c)
    vanity = _vanity(c, stage)
    flags = [f for f in (
        gamed, vanity, _not_influenceable(c, catalog, role_of), _no_objective(c.kpi, objectives),
        _rarely_reviewed(c.kpi), _no_guardrail(c, vanity is not None), _stage_mismatch(c, stage),
    ) if f is not None]
    verdict = _verdict(flags)
    shown = _shown_guardrail(c, gamed)
    source = (gamed.evidence["guardrail_source"] if gamed else
              next((g.source for g in c.evidence if g.kpi is shown), "nearby" if shown else None))
    owner = shown.who if shown is not None and shown.owner_email != c.kpi.owner_email else None
    suggestion, suggested = wording.suggestion(c, flags, catalog, role_of)
    return KpiAudit(
        id=c.kpi.key, name=c.kpi.name, verdict=verdict, summary=wording.summary(c.kpi, verdict, flags),
        matched=MatchedEntry(name=c.match.entry.name, confidence=c.match.confidence) if c.match else None,
        guardrail=shown.key if shown else None, guardrail_source=source, guardrail_owner=owner, flags=flags,
        suggestion=suggestion, suggested=suggested, counter_metric=wording.counter_metric(c, catalog, role_of),
        owner_note=wording.owner_note(c.kpi, verdict, flags, suggestion),
    )


def _verdict(flags: list[Flag]) -> Verdict:
    codes = {f.code for f in flags}
    if "gamed" in codes:
        return "gamed"
    if "vanity" in codes:
        return "vanity"
    return "weak" if any(f.severity != "info" for f in flags) else "healthy"


def _shown_guardrail(c: Ctx, gamed: Flag | None) -> KpiFacts | None:
    if gamed is not None:
        key = gamed.evidence["guardrail"]["id"]
        return next(g.kpi for g in c.evidence if g.kpi.key == key)
    return c.paired


# ---------------------------------------------------------------- gamed
def _gamed(c: Ctx) -> Flag | None:
    """Flag the KPI when it moved the better way while a guardrail moved the worse way."""
    k = c.kpi
    hits = []
    for g in c.evidence:
        ka, ga = aligned(k.values, g.kpi.values)
        kt, gt = trend(ka), trend(ga)
        if kt is None or gt is None:
            continue
        # the cited first and last points must show the move too, or the sentence's own figures
        # would not bear it out (a mid-window spike lifts the second half without any trend)
        if (judge(kt, better=k.direction) == "better" and _ends(kt, k.direction) == "better"
                and judge(gt, better=g.kpi.direction) == "worse" and _ends(gt, g.kpi.direction) == "worse"):
            hits.append((g, kt, gt))
    if not hits:
        return None
    g, kt, gt = hits[0]
    return Flag(
        code="gamed", severity="critical", reason=wording.gamed_reason(k, g.kpi, g.source, kt, gt),
        evidence={
            "kpi": {"id": k.key, "name": k.name, "unit": k.unit, "better": k.direction, **kt.as_evidence()},
            "guardrail": {"id": g.kpi.key, "name": g.kpi.name, "unit": g.kpi.unit, "better": g.kpi.direction,
                          "owner": g.kpi.who, **gt.as_evidence()},
            "guardrail_source": g.source,
            "other_guardrails_worse": [{"id": h[0].kpi.key, "endpoint_change_pct": round(100 * h[2].endpoint_change, 1)}
                                       for h in hits[1:]],
            "method": "the average of the last half of the window against the first half; each series must "
                      "move more than 5% along its trend line and between its first and last points, and the "
                      "gap between the halves must exceed what its week-to-week noise produces 19 times in 20",
        },
    )


def _ends(t: Any, better: str) -> str:
    """How the two cited points moved: a change under the materiality bar is 'flat'."""
    if abs(t.endpoint_change) <= MATERIAL:
        return "flat"
    return "better" if (t.last_value > t.first_value) == (better == "up") else "worse"


# ---------------------------------------------------------------- vanity
def _words(k: KpiFacts) -> set[str]:
    return set(tokens(f"{k.name} {k.description}"))


def _lone_figure(k: KpiFacts) -> bool:
    """A count or money total with nothing in its definition that makes it a rate or quality."""
    text = f"{k.name} {k.description}"
    return k.unit in ("count", "currency") and "/" not in text and not (_words(k) & _CONTEXT_WORDS)


def _cumulative(k: KpiFacts) -> str | None:
    words = f" {' '.join(tokens(f'{k.name} {k.description}'))} "
    return next((w for w in _CUMULATIVE if f" {' '.join(tokens(w))} " in words), None)


def _vanity(c: Ctx, stage: str) -> Flag | None:
    k, e = c.kpi, c.entry
    absolute = k.unit in ("count", "currency")
    evidence: dict[str, Any] = {"unit": k.unit, "catalog_vanity": e.vanity if e else None, "frequency": k.frequency}
    running = _cumulative(k) if absolute else None
    if running and e is not None and e.vanity == "no" and c.match is not None and c.match.confidence >= KPI_SURE:
        running = None  # "customer lifetime value" is a value per customer, not a running total
    if e is not None and e.vanity == "yes":
        reason = f"{k.name} is a vanity number: {_lower_first(e.vanity_reason)}"
    elif running:
        reason = (f"{k.name} is a running total ({running}): it only grows, so it compares nothing and "
                  "guides no decision.")
        evidence["running"] = running
    elif not absolute or not ((e is not None and e.vanity == "alone") or (e is None and _lone_figure(k))):
        return None
    elif k.frequency in ("quarterly", "yearly"):
        reason = (f"{k.name} is one top-line figure looked at {k.frequency}: it shapes no decision in the "
                  "weeks between.")
    elif c.evidence or c.guards:
        return None  # a margin or cost sits beside it, or it is the check on another KPI
    elif stage == "early" and (e.stage == "volume" if e is not None else k.unit == "currency"):
        return None  # an early-stage company is meant to grow its sales volume
    elif e is not None:
        reason = (f"{k.name} is tracked as a lone figure with nothing beside it on profit, cost or quality: "
                  f"{_lower_first(e.vanity_reason)}")
        evidence["counter_metric"] = None
    else:
        reason = f"{k.name} is an absolute count with no money, cost or quality context."
    return Flag(code="vanity", severity="warning", reason=reason, evidence=evidence)


# ---------------------------------------------------------------- the other flags
def _not_influenceable(c: Ctx, catalog: Catalog, role_of: Any) -> Flag | None:
    k, m = c.kpi, c.match
    owner = role_of(k.owner_role) if k.owner_role else None
    if m is None or m.confidence < KPI_SURE or owner is None or not owner.sure:
        return None  # unsure what the KPI is or who the owner is: say nothing
    reports = [r for r in (role_of(t) for t in k.report_roles) if r is not None]
    if can_move(m.entry, owner, reports, f"{k.name} {k.description}"):
        return None
    names = movers(m.entry, catalog)
    return Flag(
        code="not_influenceable", severity="warning",
        reason=(f"{k.name} reads as {m.entry.name}, which is moved by a {_list(names, 'or')}; {k.who}'s role "
                f"({_title(k.owner_role, owner.name)}) does not, and nothing in its description ties it to that work."),
        evidence={"owner_role": k.owner_role, "role_matched": owner.name, "role_confidence": owner.confidence,
                  "kpi_match_confidence": m.confidence, "roles_that_move_it": names,
                  "report_roles": list(k.report_roles)},
    )


def _no_objective(k: KpiFacts, objectives: set[str]) -> Flag | None:
    evidence = {"objective": k.objective_key, "quarter_objectives": sorted(objectives)}
    if not objectives:
        return Flag(code="no_objective", severity="info", evidence=evidence,
                    reason="No quarter with objectives is in force today, so no KPI can trace up to one.")
    if k.objective_key in objectives:
        return None
    if k.objective_key is None:
        reason = f"{k.name} is not linked to any objective of the quarter in force."
    else:
        reason = f"{k.name} points to objective '{k.objective_key}', which is not one of this quarter's."
    return Flag(code="no_objective", severity="warning", reason=reason, evidence=evidence)


def _rarely_reviewed(k: KpiFacts) -> Flag | None:
    if k.frequency in ("quarterly", "yearly"):
        return Flag(code="rarely_reviewed", severity="critical" if k.frequency == "yearly" else "warning",
                    reason=f"{k.name} is reviewed {k.frequency}, too seldom to shape weekly decisions.",
                    evidence={"frequency": k.frequency})
    gaps = [(b[0] - a[0]).days for a, b in zip(k.values, k.values[1:], strict=False)]
    if len(gaps) >= 2 and statistics.median(gaps) > REVIEW_GAP_DAYS:
        gap = statistics.median(gaps)
        return Flag(code="rarely_reviewed", severity="warning",
                    reason=f"{k.name} is declared {k.frequency} but its values arrive about every {gap:.0f} days.",
                    evidence={"frequency": k.frequency, "median_gap_days": gap, "values": len(k.values)})
    return None


def _no_guardrail(c: Ctx, vanity: bool) -> Flag | None:
    k, e = c.kpi, c.entry
    if c.evidence or c.nearby:
        return None
    if c.declared_missing:
        return Flag(code="no_guardrail", severity="warning",
                    reason=f"{k.name} names guardrail '{k.guardrail_key}', which is not among the KPIs in view.",
                    evidence={"declared": k.guardrail_key, "found": False})
    if e is None or not e.gameable or vanity:
        return None  # unknown (cannot tell), not gameable, or a vanity number that wants replacing
    if c.guards and k.tier != "primary":
        return None  # the check on another KPI, not a target anyone is rewarded for moving
    evidence: dict[str, Any] = {"declared": None, "catalog_guardrails": e.guardrails}
    if c.elsewhere:
        other = c.elsewhere[0]
        return Flag(code="no_guardrail", severity="warning",
                    evidence={**evidence, "tracked_elsewhere": [g.key for g in c.elsewhere]},
                    reason=(f"{k.name} can be hit while hurting the business; its counter-metric {other.name} "
                            f"is tracked only outside {k.who}'s team (by {other.who})."))
    return Flag(code="no_guardrail", severity="warning", evidence=evidence,
                reason=(f"{k.name} can be hit while hurting the business, and nothing {k.who} or their team "
                        "tracks would show it."))


def _stage_fit(c: Ctx) -> str:
    if c.entry is not None:
        return c.entry.stage
    if _words(c.kpi) & _QUALITY_WORDS:
        return "quality"
    return "volume" if _lone_figure(c.kpi) else "any"


def _stage_mismatch(c: Ctx, stage: str) -> Flag | None:
    fit = _stage_fit(c)
    if c.kpi.tier != "primary" or fit == "any":
        return None
    evidence = {"stage": stage, "kpi_focus": fit, "tier": c.kpi.tier}
    if stage == "mature" and fit == "volume":
        return Flag(code="stage_mismatch", severity="warning", evidence=evidence,
                    reason=f"{c.kpi.name} measures volume, but a mature company should lead with quality.")
    if stage == "early" and fit == "quality":
        return Flag(code="stage_mismatch", severity="info", evidence=evidence,
                    reason=f"{c.kpi.name} measures quality; an early-stage company usually leads with volume.")
    return None


def _list(items: list[str], word: str = "and") -> str:
    if not items:
        return "nobody"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


def _title(title: str | None, role: str) -> str:
    """'Creative strategist', or 'Head of Growth, read as Marketing manager' when they differ."""
    return role if (title or "").strip().lower() == role.lower() else f"{title}, read as {role}"


def _lower_first(s: str) -> str:
    """'A raw count' -> 'a raw count'; an acronym ('ACOS ...') keeps its capitals."""
    return s[:1].lower() + s[1:] if s and not (len(s) > 1 and s[1].isupper()) else s


__all__ = ["VERDICTS", "Flag", "KpiAudit", "KpiFacts", "MIN_POINTS", "WINDOW", "audit_kpis", "facts_from_orgfile",
           "quarter_in_force"]
