"""KPI audit: which KPIs guide decisions, which only feel good, which are being gamed.

Pure functions over KPI facts and the catalog; deterministic, no LLM anywhere. Each KPI gets
flags, each with a fixed code, a severity, a one-sentence reason and the evidence behind it:

    vanity             a count or lone figure with no money/cost/quality context
    not_influenceable  the owner's role cannot move it
    no_objective       it supports none of the current quarter's objectives
    rarely_reviewed    looked at less often than monthly
    no_guardrail       it can be gamed and nothing beside it would show the damage
    gamed              it moved the better way while its guardrail moved the worse way
    stage_mismatch     volume KPI as primary in a mature company, or quality KPI in an early one

Verdict: gamed > vanity > watch (any warning or critical flag) > healthy.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from assistant.domain.orgfile.schema import OrgFile
from assistant.kpi_audit.catalog import Catalog, CatalogEntry, get_catalog, match, match_role, tokens
from assistant.kpi_audit.trends import MIN_POINTS, aligned, moved, trend

GAMING_THRESHOLD = 0.05  # relative change each series must exceed to count as a move
REVIEW_GAP_DAYS = 45  # values arriving further apart than this are not reviewed monthly

FlagCode = Literal["vanity", "not_influenceable", "no_objective", "rarely_reviewed", "no_guardrail",
                   "gamed", "stage_mismatch"]
Severity = Literal["info", "warning", "critical"]
Verdict = Literal["gamed", "vanity", "watch", "healthy"]

# Words that give a number money, cost, quality or comparison context (a rate, not a pile).
_CONTEXT_WORDS = {tokens(w)[0] for w in (
    "per rate ratio share percent margin profit cost roi return conversion resolution resolved quality "
    "accuracy defect error satisfaction net versus vs average median time days hours score index growth "
    "change retention churn repeat value"
).split()}
_QUALITY_WORDS = {tokens(w)[0] for w in "margin profit roi return quality satisfaction accuracy".split()}


@dataclass(frozen=True)
class KpiFacts:
    """What the audit knows about one KPI. ``values`` are (period, value), sorted by period."""

    key: str
    name: str
    description: str = ""
    unit: str = "count"
    direction: str = "up"
    frequency: str = "weekly"
    target: float | None = None
    objective_key: str | None = None
    guardrail_key: str | None = None
    tier: str = "primary"
    owner_role: str | None = None
    owner_email: str | None = None
    values: tuple[tuple[date, float], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(sorted((d, float(v)) for d, v in self.values)))


class Flag(BaseModel):
    code: FlagCode
    severity: Severity
    reason: str
    evidence: dict[str, Any] = {}


class MatchedEntry(BaseModel):
    name: str
    confidence: float


class KpiAudit(BaseModel):
    """The audit of one KPI, in the shape the CLI and the API print."""

    id: str
    name: str
    verdict: Verdict
    matched: MatchedEntry | None
    guardrail: str | None
    flags: list[Flag]
    suggestion: str | None


@dataclass
class _Ctx:
    kpi: KpiFacts
    entry: CatalogEntry | None
    declared: KpiFacts | None = None  # resolved declared guardrail
    own: list[KpiFacts] = field(default_factory=list)  # catalog guardrails the same owner tracks
    elsewhere: list[KpiFacts] = field(default_factory=list)  # catalog guardrails owned by others

    @property
    def guardrails(self) -> list[tuple[KpiFacts, str]]:
        """Guardrails the gaming check reads: declared, then catalog pairs the owner tracks.

        A counter-metric someone else owns is not used: its moves follow that person's
        decisions, so they are no evidence about how this KPI's owner hit the number.
        """
        found = [(self.declared, "declared")] if self.declared else []
        return found + [(g, "catalog") for g in self.own if g is not self.declared]


# ---------------------------------------------------------------- entry points
def facts_from_orgfile(org: OrgFile) -> tuple[list[KpiFacts], str, set[str]]:
    """(KPI facts, company stage, objective ids of the current = latest quarter) of an org file."""
    roles = {p.email: p.role for p in org.people}
    facts = [
        KpiFacts(
            key=k.id, name=k.name, description=k.description, unit=k.unit.value,
            direction=k.direction.value, frequency=k.frequency.value, target=k.target,
            objective_key=k.objective, guardrail_key=k.guardrail, tier=k.tier.value,
            owner_role=k.role or roles.get(k.owner or ""), owner_email=k.owner,
            values=tuple((v.period, v.value) for v in k.values),
        )
        for k in org.kpis
    ]
    current = max(org.quarters, key=lambda q: q.id) if org.quarters else None
    objectives = {o.id for o in current.objectives} if current else set()
    return facts, org.company.stage.value, objectives


def audit_kpis(kpis: list[KpiFacts], *, stage: str, objectives: set[str],
               catalog: Catalog | None = None, semantic: bool = True,
               only: set[str] | None = None) -> list[KpiAudit]:
    """Audit every KPI of one company against the quarter's ``objectives`` and its ``stage``.

    ``semantic=False`` matches names without the embedder (alias + lexical only).
    ``only``: audit just these keys, with the whole list still searched for guardrails
    (the same audits as the full run, filtered, without auditing the rest); the other
    KPIs' values are then only read when they guard one of these.
    """
    catalog = catalog or get_catalog()
    matches = {k.key: match(k.name, k.description, unit=k.unit, semantic=semantic, catalog=catalog)
               for k in kpis}
    by_key = {x.key: x for x in kpis}
    by_entry: dict[str, list[KpiFacts]] = {}  # catalog entry id -> KPIs matched to it, in order
    for x in kpis:
        if matches[x.key]:
            by_entry.setdefault(matches[x.key].entry.id, []).append(x)
    focus = kpis if only is None else [k for k in kpis if k.key in only]
    ctxs = [_context(k, kpis, matches, by_key, by_entry) for k in focus]
    if only is None:
        guarding = {g.key for c in ctxs for g in ([c.declared] if c.declared else []) + c.own}
    else:
        guarding = {k.key for k in focus if _guards_something(k, kpis, matches)}
    return [_audit_one(c, matches[c.kpi.key], catalog, stage=stage, objectives=objectives,
                       is_guardrail=c.kpi.key in guarding) for c in ctxs]


def _guards_something(x: KpiFacts, kpis: list[KpiFacts], matches: dict[str, Any]) -> bool:
    """Whether ``x`` is the declared or same-owner catalog guardrail of another KPI (as ``_context`` decides)."""
    mx = matches[x.key]
    for y in kpis:
        if y.key == x.key:
            continue
        if y.guardrail_key == x.key:
            return True
        if mx is None:
            continue
        my = matches[y.key]
        if my is not None and mx.entry.id in my.entry.guardrails and _same_owner(y, x):
            return True
    return False


# ---------------------------------------------------------------- guardrail resolution
def _same_owner(a: KpiFacts, b: KpiFacts) -> bool:
    if a.owner_email and b.owner_email:
        return a.owner_email.lower() == b.owner_email.lower()
    return bool(a.owner_role and b.owner_role and a.owner_role.lower() == b.owner_role.lower())


def _context(k: KpiFacts, kpis: list[KpiFacts], matches: dict[str, Any],
             by_key: dict[str, KpiFacts] | None = None, by_entry: dict[str, list[KpiFacts]] | None = None) -> _Ctx:
    m = matches[k.key]
    ctx = _Ctx(kpi=k, entry=m.entry if m else None)
    by_key = by_key if by_key is not None else {x.key: x for x in kpis}
    if k.guardrail_key and k.guardrail_key in by_key and k.guardrail_key != k.key:
        ctx.declared = by_key[k.guardrail_key]
    if ctx.entry is None:
        return ctx
    for gid in ctx.entry.guardrails:
        # by_entry holds, in list order, the KPIs whose match is ``gid``: the same as scanning them all
        candidates = by_entry.get(gid, []) if by_entry is not None else [
            o for o in kpis if matches[o.key] and matches[o.key].entry.id == gid]
        for other in candidates:
            if other.key != k.key:
                (ctx.own if _same_owner(k, other) else ctx.elsewhere).append(other)
    return ctx


# ---------------------------------------------------------------- the audit of one KPI
def _audit_one(c: _Ctx, m: Any, catalog: Catalog, *, stage: str, objectives: set[str],
               is_guardrail: bool) -> KpiAudit:
    flags = [f for f in (
        _gamed(c),
        _vanity(c, is_guardrail),
        _not_influenceable(c, catalog),
        _no_objective(c.kpi, objectives),
        _rarely_reviewed(c.kpi),
        _no_guardrail(c),
        _stage_mismatch(c, stage),
    ) if f is not None]
    codes = {f.code for f in flags}
    if "gamed" in codes:
        verdict: Verdict = "gamed"
    elif "vanity" in codes:
        verdict = "vanity"
    elif any(f.severity != "info" for f in flags):
        verdict = "watch"
    else:
        verdict = "healthy"
    guardrail = c.declared or (c.own or [None])[0]
    return KpiAudit(
        id=c.kpi.key, name=c.kpi.name, verdict=verdict,
        matched=MatchedEntry(name=m.entry.name, confidence=m.confidence) if m else None,
        guardrail=guardrail.key if guardrail else None, flags=flags,
        suggestion=_suggestion(c, flags, catalog),
    )


def _words(k: KpiFacts) -> set[str]:
    return set(tokens(f"{k.name} {k.description}"))


def _lone_figure(k: KpiFacts) -> bool:
    """A count or money total with nothing in its definition that makes it a rate or quality."""
    text = f"{k.name} {k.description}"
    return k.unit in ("count", "currency") and "/" not in text and not (_words(k) & _CONTEXT_WORDS)


def _vanity(c: _Ctx, is_guardrail: bool) -> Flag | None:
    k, e = c.kpi, c.entry
    has_context = bool(c.declared or c.own) or is_guardrail
    if e is not None and e.vanity == "yes":
        reason = f"{k.name} is a vanity number: {_lower_first(e.vanity_reason)}"
    elif e is not None and e.vanity == "alone" and not has_context:
        reason = f"{k.name} is tracked as a lone figure with no counter-metric: {_lower_first(e.vanity_reason)}"
    elif e is None and k.unit == "count" and _lone_figure(k):
        reason = f"{k.name} is an absolute count with no money, cost or quality context."
    else:
        return None
    evidence: dict[str, Any] = {"unit": k.unit, "catalog_vanity": e.vanity if e else None}
    if e is not None and e.vanity == "alone":
        evidence["counter_metric"] = None
    return Flag(code="vanity", severity="warning", reason=reason, evidence=evidence)


def _not_influenceable(c: _Ctx, catalog: Catalog) -> Flag | None:
    role = match_role(c.kpi.owner_role, catalog)
    if c.entry is None or role is None or role.influences_all or role.id in c.entry.roles:
        return None
    movers = [r.name for r in catalog.roles if r.id in c.entry.roles]
    return Flag(
        code="not_influenceable", severity="warning",
        reason=f"{_article(role.name)} {role.name} cannot move {c.entry.name} through their own decisions.",
        evidence={"owner_role": c.kpi.owner_role, "role_matched": role.name, "roles_that_move_it": movers},
    )


def _no_objective(k: KpiFacts, objectives: set[str]) -> Flag | None:
    evidence = {"objective": k.objective_key, "quarter_objectives": sorted(objectives)}
    if not objectives:
        return Flag(code="no_objective", severity="info", evidence=evidence,
                    reason="The current quarter has no objectives, so no KPI can trace up to one.")
    if k.objective_key in objectives:
        return None
    if k.objective_key is None:
        reason = f"{k.name} is not linked to any objective of the current quarter."
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
                    reason=f"{k.name} is declared {k.frequency} but its values arrive about every "
                           f"{gap:.0f} days.",
                    evidence={"frequency": k.frequency, "median_gap_days": gap, "values": len(k.values)})
    return None


def _no_guardrail(c: _Ctx) -> Flag | None:
    k, e = c.kpi, c.entry
    if c.declared or c.own:
        return None
    if k.guardrail_key:  # declared, but the file does not hold it
        return Flag(code="no_guardrail", severity="warning",
                    reason=f"{k.name} names guardrail '{k.guardrail_key}', but no such KPI is tracked.",
                    evidence={"declared": k.guardrail_key, "found": False})
    if e is None:
        return Flag(code="no_guardrail", severity="info",
                    reason=f"{k.name} is not in the catalog and has no declared counter-metric.",
                    evidence={"declared": None, "catalog_guardrails": []})
    if not e.gameable or e.vanity == "yes":  # a vanity number wants replacing, not pairing
        return None
    evidence = {"declared": None, "catalog_guardrails": e.guardrails}
    if c.elsewhere:
        others = [g.key for g in c.elsewhere]
        return Flag(code="no_guardrail", severity="info", evidence={**evidence, "owned_by_others": others},
                    reason=f"{k.name}'s counter-metric {c.elsewhere[0].name} is tracked, but by someone else.")
    return Flag(code="no_guardrail", severity="warning", evidence=evidence,
                reason=f"{k.name} can be hit while hurting the business and nothing beside it would show it.")


def _gamed(c: _Ctx) -> Flag | None:
    """Flag the KPI when it moved the better way while a guardrail moved the worse way."""
    k = c.kpi
    hits = []
    for g, source in c.guardrails:
        ka, ga = aligned(k.values, g.values)
        kt, gt = trend(ka), trend(ga)
        if kt is None or gt is None:
            continue
        kmove = moved(kt, better=k.direction, threshold=GAMING_THRESHOLD)
        gmove = moved(gt, better=g.direction, threshold=GAMING_THRESHOLD)
        if kmove == "better" and gmove == "worse":
            hits.append((g, source, kt, gt))
    if not hits:
        return None
    g, source, kt, gt = hits[0]
    return Flag(
        code="gamed", severity="critical",
        reason=f"{k.name} improved {_pct(kt.relative_change)} while its guardrail {g.name} "
               f"worsened {_pct(gt.relative_change)} over the last {kt.points} periods.",
        evidence={
            "kpi": {"id": k.key, "name": k.name, "better": k.direction, **kt.as_evidence()},
            "guardrail": {"id": g.key, "name": g.name, "better": g.direction, **gt.as_evidence()},
            "guardrail_source": source,
            "other_guardrails_worse": [{"id": h[0].key, "relative_change_pct": round(100 * h[3].relative_change, 1)}
                                       for h in hits[1:]],
            "threshold_pct": round(100 * GAMING_THRESHOLD, 1),
            "method": "second-half vs first-half mean of the recent window; the slope must agree",
        },
    )


def _stage_fit(c: _Ctx) -> str:
    if c.entry is not None:
        return c.entry.stage
    if _words(c.kpi) & _QUALITY_WORDS:
        return "quality"
    return "volume" if _lone_figure(c.kpi) else "any"


def _stage_mismatch(c: _Ctx, stage: str) -> Flag | None:
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


# ---------------------------------------------------------------- wording
def format_text(audits: list[KpiAudit]) -> str:
    """A readable table: one row per KPI, its flags indented beneath it."""
    head = ("KPI", "VERDICT", "CATALOG MATCH", "GUARDRAIL")
    rows = [(a.id, a.verdict, f"{a.matched.name} ({a.matched.confidence:.2f})" if a.matched else "-",
             a.guardrail or "-") for a in audits]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    for a, row in zip(audits, rows, strict=True):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        for f in a.flags:
            lines.append(f"    {f.severity:<8} {f.code:<18} {f.reason}")
        if a.suggestion:
            lines.append(f"    {'suggest':<8} {'':<18} {a.suggestion}")
    counts = {v: sum(a.verdict == v for a in audits) for v in ("gamed", "vanity", "watch", "healthy")}
    lines.append("")
    lines.append(", ".join(f"{n} {v}" for v, n in counts.items()))
    return "\n".join(lines) + "\n"


def _suggestion(c: _Ctx, flags: list[Flag], catalog: Catalog) -> str | None:
    codes = {f.code for f in flags}
    e = c.entry
    if "gamed" in codes:
        g = next(f for f in flags if f.code == "gamed").evidence["guardrail"]["name"]
        return (f"Judge {c.kpi.name} only together with {g}, and ask what changed before "
                "rewarding the improvement.")
    if "vanity" in codes:
        if e is not None and e.replacement:
            rep = catalog.get(e.replacement)
            return f"Track {rep.name} instead: {_lower_first(rep.measures)}"
        if e is not None and e.guardrails:
            return f"Report it only next to {catalog.get(e.guardrails[0]).name}."
        return "Replace it with a rate or ratio tied to money or quality (per order, per session, margin)."
    no_guard = next((f for f in flags if f.code == "no_guardrail" and f.severity == "warning"), None)
    if no_guard is not None and e is not None and e.guardrails:
        g = catalog.get(e.guardrails[0])
        return f"Pair it with {g.name} ({_lower_first(g.measures).rstrip('.')}) to expose gaming."
    return None


def _pct(x: float) -> str:
    return f"{abs(100 * x):.1f}%"


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s and not re.match(r"^[A-Z]{2}", s) else s


__all__ = ["Flag", "KpiAudit", "KpiFacts", "MIN_POINTS", "audit_kpis", "facts_from_orgfile", "format_text"]
