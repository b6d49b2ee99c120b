"""What the audit says: the gamed reason, the verdict in one sentence, the owner's framing,
and the suggestion.

The gamed reason prints only figures a reader can recompute from the two points it cites
per series (first and last of the window) and says in words how the move was judged.

A suggestion is never a vanity number (total sales) nor a metric the owner cannot move: it
is a catalog KPI that is a rate or money ratio, that the owner's role, one of their
reports' roles, or (when the role is unknown) the KPI's own movers can move, with a
one-line reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.kpi_audit.catalog import Catalog, CatalogEntry
from assistant.kpi_audit.facts import KpiFacts
from assistant.kpi_audit.trends import Trend

if TYPE_CHECKING:
    from assistant.kpi_audit.guardrails import Ctx
    from assistant.kpi_audit.rules import Flag

SHORT = {  # a warning in a few words, for the verdict line
    "no_guardrail": "nothing beside it would show it being gamed",
    "not_influenceable": "its owner may not be able to move it",
    "no_objective": "it is not linked to the quarter's objectives",
    "rarely_reviewed": "it is reviewed too seldom",
    "stage_mismatch": "it suits another stage of the company",
    "vanity": "it can rise without the business gaining",
}


# ---------------------------------------------------------------- numbers
def fmt(value: float, unit: str) -> str:
    """A value as a sentence prints it: 21.9%, 4.5 h, 12 days, 18,400."""
    if unit == "percent":
        return f"{round(value, 2):g}%"
    if unit == "hours":
        return f"{round(value, 2):g} h"
    if unit == "days":
        return f"{round(value, 1):g} days"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{round(value, 2):g}"


def pct(x: float) -> str:
    return f"{abs(100 * x):.1f}%"


def periods(t: Trend) -> str:
    """'weeks', 'months' or 'periods', from the spacing of the trend's points."""
    if t.start is None or t.end is None or t.points < 2:
        return "periods"
    step = (t.end - t.start).days / (t.points - 1)
    return "weeks" if 5 <= step <= 9 else "months" if 25 <= step <= 35 else "periods"


def _went(t: Trend) -> str:
    return "rose" if t.last_value > t.first_value else "fell"


def gamed_reason(k: KpiFacts, g: KpiFacts, source: str, kt: Trend, gt: Trend) -> str:
    """The gamed flag's sentence: the cited points, their changes, and the method in words."""
    whose = {"declared": "its declared guardrail",
             "same owner": "its guardrail (inferred from the catalog)",
             "team": f"its guardrail (inferred from the catalog; tracked by {g.who} in the same team)"}[source]
    g_dates = "" if (gt.start, gt.end) == (kt.start, kt.end) else f" on {gt.start} to {gt.end}"
    unit = periods(kt)
    step = {"weeks": "week-to-week", "months": "month-to-month"}.get(unit, "period-to-period")
    return (f"{k.name} {_went(kt)} from {fmt(kt.first_value, k.unit)} on {kt.start} to "
            f"{fmt(kt.last_value, k.unit)} on {kt.end} ({pct(kt.endpoint_change)} better) while {whose} "
            f"{g.name} {_went(gt)} from {fmt(gt.first_value, g.unit)} to {fmt(gt.last_value, g.unit)}{g_dates} "
            f"({pct(gt.endpoint_change)} worse). Judged on the average of the last {kt.half} {unit} against "
            f"the {kt.half} before, both moves are larger than each series' {step} noise.")


# ---------------------------------------------------------------- the verdict in words
def _flag(flags: list[Flag], code: str) -> Flag | None:
    return next((f for f in flags if f.code == code), None)


def summary(k: KpiFacts, verdict: str, flags: list[Flag]) -> str:
    """One sentence that names the verdict and the flags behind it."""
    problems = [SHORT[f.code] for f in flags if f.severity != "info" and f.code in SHORT]
    if verdict == "gamed":
        g = _flag(flags, "gamed").evidence["guardrail"]["name"]  # type: ignore[union-attr]
        rest = [p for p in problems if p != SHORT["vanity"]]
        return f"Gamed: {k.name} improved while its guardrail {g} worsened" + (f"; also {_and(rest)}." if rest else ".")
    if verdict in ("vanity", "weak"):
        return f"{verdict.capitalize()}: {_and(problems)}."
    notes = [f.reason for f in flags if f.severity == "info"]
    return "Healthy: no warnings." + (f" Note: {' '.join(notes)}" if notes else "")


def owner_note(k: KpiFacts, verdict: str, flags: list[Flag], suggestion: str | None) -> str | None:
    """The verdict framed for the KPI's own owner: something to look at together, not a stamp."""
    if verdict == "gamed":
        ev = _flag(flags, "gamed").evidence  # type: ignore[union-attr]
        return (f"Worth looking at together: {k.name} improved while {ev['guardrail']['name']} worsened between "
                f"{ev['kpi']['from']} and {ev['kpi']['to']}. What changed, and did the business gain from it?")
    if verdict == "vanity":
        return (f"Worth a rethink together: {k.name} can rise without the business gaining."
                + (f" {suggestion}" if suggestion else ""))
    return None


def _and(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "no warnings"


# ---------------------------------------------------------------- suggestions
def _acceptable(cand: CatalogEntry, own: CatalogEntry | None) -> bool:
    """A rate or money ratio: never a vanity number, never a volume count, never itself."""
    return cand.vanity == "no" and not (cand.unit == "count" and cand.stage == "volume") and cand is not own


def _movable(cand: CatalogEntry, c: Ctx, role_of: Any) -> bool:
    k = c.kpi
    owner = role_of(k.owner_role) if k.owner_role else None
    if owner is not None and owner.sure:
        reports = [r for r in (role_of(t) for t in k.report_roles) if r is not None and r.sure]
        return owner.influences_all or owner.id in cand.roles or any(r.id in cand.roles for r in reports)
    return c.entry is None or bool(set(cand.roles) & set(c.entry.roles))


def _pick(ids: list[str], c: Ctx, catalog: Catalog, role_of: Any) -> CatalogEntry | None:
    for i in dict.fromkeys(ids):
        cand = catalog.get(i)
        if _acceptable(cand, c.entry) and _movable(cand, c, role_of):
            return cand
    return None


def _measures(e: CatalogEntry) -> str:
    s = e.measures.rstrip(".")
    return s[:1].lower() + s[1:] if not (len(s) > 1 and s[1].isupper()) else s


def counter_metric(c: Ctx, catalog: Catalog, role_of: Any) -> str | None:
    """The catalog counter-metric to set beside this KPI: a rate the owner moves, never a vanity total."""
    g = _pick(c.entry.guardrails, c, catalog, role_of) if c.entry is not None else None
    return g.name if g is not None else None


def suggestion(c: Ctx, flags: list[Flag], catalog: Catalog, role_of: Any) -> tuple[str | None, str | None]:
    """(What to do instead or beside, with a one-line why; the catalog KPI it names), or Nones
    when nothing fits the owner."""
    k, e = c.kpi, c.entry
    codes = {f.code for f in flags}
    if "gamed" in codes:
        g = _flag(flags, "gamed").evidence["guardrail"]["name"]  # type: ignore[union-attr]
        return f"Judge {k.name} only together with {g}, and ask what changed before rewarding the improvement.", None
    if "vanity" in codes:
        if _flag(flags, "vanity").evidence.get("running") or k.frequency in ("quarterly", "yearly"):  # type: ignore[union-attr]
            return ("Look at it weekly or monthly instead, as growth on the same period last year and beside a "
                    "margin: a running or yearly total cannot show whether this month's work paid."), None
        lone_total = e is not None and e.vanity == "alone"
        pair = _pick(e.guardrails, c, catalog, role_of) if e is not None and lone_total else None
        if pair is not None:
            return f"Report it next to {pair.name}: that shows {pair.exposes or 'what the total cost'}.", pair.name
        ids = ([e.replacement] if e is not None and e.replacement else []) + (e.guardrails if e is not None else [])
        rep = _pick(ids, c, catalog, role_of)
        if rep is not None and (mine := c.owned(rep.id)) is not None:
            return (f"Rely on {mine.name}, which {k.who} already tracks, and drop this one: "
                    f"{rep.name} improves only when the work pays off."), rep.name
        if rep is not None:
            return f"Track {rep.name} instead ({_measures(rep)}): it improves only when the work pays off.", rep.name
        return (f"Replace it with a rate tied to money or quality that {k.who} can move "
                "(per order, per session, a margin)."), None
    warn = _flag(flags, "no_guardrail")
    if warn is not None and e is not None and not c.declared_missing:
        g = _pick(e.guardrails, c, catalog, role_of)
        if g is not None:
            return (f"Pair it with {g.name} ({_measures(g)}): it shows {g.exposes or 'the damage'}, which "
                    f"{k.name} alone hides."), g.name
    return None, None
