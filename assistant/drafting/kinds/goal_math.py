"""The arithmetic behind a role goal's target: pure functions of a KPI's dated values.

Every figure is computed step by step, each step rounded as it is shown, so a reader can
redo the sum from the arithmetic line:

- baseline: the mean of the last ``BASELINE_POINTS`` values dated before the quarter starts
  (fewer when the history is shorter), rounded to 2 places.
- trend_per_week: least-squares slope (``assistant.kpi_audit.trends.slope``) of the last ``TREND_POINTS``
  values, divided by the average spacing of those values in weeks, rounded to 3 places.
- trend_effect: trend_per_week x ``HORIZON_WEEKS`` (a quarter), rounded to 2 places, counted
  only when the trend points the KPI's better way; a worsening trend is not projected (the
  goal is to reverse it) and counts 0.
- improvement: ``IMPROVEMENT_PCT`` % of |baseline| in the better direction, rounded to 2 places; for a
  percent KPI that rises toward 100%, of the room left (100 - baseline) when that is smaller, since
  a CSAT at 97.8% cannot gain a tenth of itself.
- projected: baseline + trend_effect +/- improvement.
- cap: the best value in the history moved ``CAP_PCT`` % further in the better direction (of the
  room left to 100% for a rising percent KPI, when that is smaller); a target past it is not
  plausible from the record, so target = the cap (percent KPIs are also kept within 0-100,
  everything else at or above 0).
- target: projected, or the cap when the projection goes past it.

``+ 0.0`` after a rounding turns a -0.0 into 0.0, so a flat trend never prints as "-0".
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from assistant.core.templates import fmt_number
from assistant.domain.models import Kpi
from assistant.domain.sources import kpi_source
from assistant.kpi_audit import trends as stats

BASELINE_POINTS = 4
TREND_POINTS = 8
HORIZON_WEEKS = 13
IMPROVEMENT_PCT = 10
CAP_PCT = 5

Point = tuple[date, float]


def better_sign(direction: str) -> float:
    """+1 when a higher value is better, -1 when lower is (``direction`` 'down')."""
    return -1.0 if direction == "down" else 1.0


def baseline(before: list[Point]) -> tuple[float, list[Point]]:
    """The mean of the last ``BASELINE_POINTS`` values, and the values it is the mean of."""
    window = before[-BASELINE_POINTS:]
    return round(sum(v for _, v in window) / len(window), 2), window


def trend_per_week(before: list[Point]) -> float:
    """The slope of the last ``TREND_POINTS`` values per week of the time they span."""
    recent = before[-TREND_POINTS:]
    spacing = ((recent[-1][0] - recent[0][0]).days / 7 / (len(recent) - 1)) if len(recent) > 1 else 1.0
    return round(stats.slope([v for _, v in recent]) / (spacing or 1.0), 3) + 0.0


def trend_effect(trend: float, better: float) -> tuple[float, float]:
    """(the trend carried over ``HORIZON_WEEKS``, the part of it the target counts: 0 unless it improves)."""
    over_quarter = round(trend * HORIZON_WEEKS, 2) + 0.0
    return over_quarter, over_quarter if over_quarter * better > 0 else 0.0


def room(value: float, unit: str, better: float) -> float:
    """How far ``value`` may move the better way, as the size a step is a share of: |value|, or
    the room left to 100% for a rising percent KPI when that is smaller."""
    size = abs(value)
    return max(0.0, min(size, 100.0 - value)) if unit == "percent" and better > 0 else size


def improvement(base: float, unit: str = "count", better: float = 1.0) -> float:
    """``IMPROVEMENT_PCT`` % of the baseline's size (``room``)."""
    return round(room(base, unit, better) * IMPROVEMENT_PCT / 100, 2)


def projected(base: float, effect: float, gain: float, better: float) -> float:
    """Baseline plus the counted trend plus the improvement, in the better direction."""
    return round(base + effect + better * gain, 2) + 0.0


def cap(before: list[Point], better: float, unit: str = "count") -> tuple[float, Point]:
    """The plausibility cap: the best value so far moved ``CAP_PCT`` % (of its ``room``) further; and that point."""
    best_point = (min if better < 0 else max)(before, key=lambda p: p[1])
    best = best_point[1]
    return round(best + better * room(best, unit, better) * CAP_PCT / 100, 2) + 0.0, best_point


def target(projection: float, limit: float, better: float, unit: str) -> tuple[float, bool]:
    """The projection, or the cap when the projection goes past it (then True), kept in range."""
    capped = projection * better > limit * better
    value = limit if capped else projection
    return (min(max(value, 0.0), 100.0) if unit == "percent" else max(value, 0.0)), capped


def compute_goal(kpi: Kpi, points: list[Point], start: date, end: date) -> dict[str, Any] | None:
    """The baseline, trend, improvement, cap and target for ``kpi`` from its values before ``start``,
    with the arithmetic written out and the values it cites; None without such values."""
    before = [p for p in points if p[0] < start]
    if not before:
        return None
    down = kpi.direction == "down"
    better = better_sign(kpi.direction)
    base, window = baseline(before)
    trend = trend_per_week(before)
    projected_trend, effect = trend_effect(trend, better)
    gain = improvement(base, kpi.unit, better)
    projection = projected(base, effect, gain, better)
    limit, best_point = cap(before, better, kpi.unit)
    best = best_point[1]
    goal_target, capped = target(projection, limit, better, kpi.unit)
    unit = kpi.unit
    of_what = "baseline" if room(base, unit, better) == abs(base) else "room left to 100%"
    window_text = (f"the last {len(window)} {kpi.frequency} values before the quarter, "
                   f"{window[0][0].isoformat()} to {window[-1][0].isoformat()}")
    trend_text = (f"trend {trend:+g} a week x {HORIZON_WEEKS} weeks = {projected_trend:+g}"
                  + ("" if effect else " (points the wrong way or is flat: not projected, counts 0)"))
    arithmetic = (
        f"baseline {fmt_number(base, unit)} (mean of {window_text}); {trend_text}; "
        f"improvement {'-' if down else '+'}{fmt_number(gain, unit)} ({IMPROVEMENT_PCT}% of the {of_what}); "
        f"projected {fmt_number(base, unit)} {'+' if effect >= 0 else '-'} {fmt_number(abs(effect), unit)} "
        f"{'-' if down else '+'} {fmt_number(gain, unit)} = {fmt_number(projection, unit)}; "
        f"plausibility cap {fmt_number(limit, unit)} (best {fmt_number(best, unit)} on {best_point[0].isoformat()}, "
        f"{CAP_PCT}% {'of the room left ' if room(best, unit, better) != abs(best) else ''}further) "
        f"{'binds' if capped else 'does not bind'}; "
        f"target {fmt_number(goal_target, unit)} by {end.isoformat()}"
    )
    return {
        "baseline": base, "baseline_points": len(window), "window": window_text,
        "statistic": f"mean of the last {len(window)} values", "trend_per_week": trend,
        "trend_over_quarter": projected_trend, "trend_effect": effect, "improvement": gain,
        "projected": projection, "best": best, "best_period": best_point[0].isoformat(), "cap": limit,
        "capped": capped, "target": goal_target, "date": end.isoformat(), "arithmetic": arithmetic,
        "sources": list(dict.fromkeys(kpi_source(kpi.key, d) for d, _ in [*window, best_point])),
    }


# ---------------------------------------------------------------- settling the target
# After the arithmetic: the objective's own number, the range the unit allows, the precision
# the KPI is reported in, and how the target compares with goals already agreed on the KPI.

_NUMBER = re.compile(r"\b(back above|back under|at least|at most|less than|more than|above|over|under|below|"
                     r"within|to)\s+\$?(\d+(?:\.\d+)?)\s*(%|percent|days?|hours?|points?)?", re.IGNORECASE)
_UP_WORDS, _DOWN_WORDS = ("above", "over", "at least", "more than"), ("under", "below", "within", "at most",
                                                                        "less than")
_UNIT_OF = {"%": "percent", "percent": "percent", "day": "days", "days": "days", "hour": "hours", "hours": "hours"}
RANK_WORDS = ("rank", "position", "bsr")


def objective_number(title: str) -> dict[str, Any] | None:
    """The number an objective's title sets ("gross margin back above 35%" -> 35, percent, up;
    "payback under 90 days" -> 90, days, down; "to 22%" -> 22, percent, either way)."""
    m = _NUMBER.search(title)
    if not m:
        return None
    word = m[1].lower().removeprefix("back ")
    direction = "up" if word in _UP_WORDS else "down" if word in _DOWN_WORDS else None
    unit = _UNIT_OF.get((m[3] or "").lower())
    return {"value": float(m[2]), "unit": unit, "direction": direction, "text": m[0].strip()}


def objective_applies(number: dict[str, Any] | None, kpi: Kpi, shared_words: bool) -> bool:
    """Whether the objective's number is a target for this KPI: the same unit, a direction that
    agrees with the KPI's better way, and a word the KPI and the objective share (TACOS serving
    'gross margin above 35%' is not itself to reach 35%)."""
    if number is None or not shared_words:
        return False
    unit_ok = number["unit"] == kpi.unit if number["unit"] else kpi.unit in ("count", "ratio", "score", "currency")
    return unit_ok and number["direction"] in (None, kpi.direction)


def precision(values: list[float]) -> int:
    """Decimal places the KPI is reported in (0-2): the most any recorded value uses."""
    places = 0
    for v in values:
        text = f"{v:.6f}".rstrip("0").rstrip(".")
        places = max(places, len(text.split(".")[1]) if "." in text else 0)
    return min(places, 2)


def feasible(value: float, kpi: Kpi, places: int) -> float:
    """``value`` kept in the unit's range (percent 0-100, ranks at least 1, nothing else below 0),
    rounded to ``places``."""
    low = 1.0 if any(w in kpi.name.lower() for w in RANK_WORDS) else 0.0
    high = 100.0 if kpi.unit == "percent" else None
    value = max(value, low) if high is None else min(max(value, low), high)
    return round(value, places) + 0.0


def looser(proposed: float, agreed: float, direction: str) -> bool:
    """Whether ``proposed`` asks for less than ``agreed`` in the KPI's better direction."""
    return proposed < agreed if direction != "down" else proposed > agreed


def gap_text(a: float, b: float, unit: str) -> str:
    """The distance between two values of a KPI: percentage points for percent KPIs, never '%'."""
    gap = round(abs(a - b), 2)
    return f"{fmt_number(gap)} points" if unit == "percent" else fmt_number(gap, unit)


def gap_to(value: float, agreed: float, unit: str, direction: str) -> str:
    """Where ``value`` stands against ``agreed``: 'already met' or the distance still to go."""
    met = not looser(value, agreed, direction)
    return "already met" if met else f"{gap_text(value, agreed, unit)} short of it"


# ---------------------------------------------------------------- milestone objectives
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), start=1)}
_BY_DATE = re.compile(r"\bby\s+(?:(\d{4})-(\d{2})-(\d{2})|(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*|"
                      r"([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?)\b", re.IGNORECASE)
_BY_END = re.compile(r"\bby\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+)?quarter|quarter[- ]end)\b", re.IGNORECASE)
DELIVERY_VERBS = ("launch", "dual-source", "ship", "open", "migrate", "hire", "roll out", "switch", "set up",
                  "introduce", "consolidate", "onboard", "move", "build", "cut the range", "list", "expand into",
                  "replace", "renegotiate", "sign", "release", "redesign", "rebuild", "complete", "finish")
"""How a milestone objective starts when its title sets no date: a deliverable, not a level to hold."""


def milestone_due(title: str, start: date, end: date) -> date | None:
    """The date a milestone objective is due ("Launch the spring collection by April 1" -> 1 April
    of the year that puts it on or after ``start``), its quarter's ``end`` for "by quarter end" or a
    title that starts with a delivery verb and names no measured number; None for a KPI objective."""
    m = _BY_DATE.search(title)
    if m:
        if m[1]:
            return date(int(m[1]), int(m[2]), int(m[3]))
        day, month = (m[4], m[5]) if m[4] else (m[7], m[6])
        month_no = _MONTHS.get(month.lower()[:3])
        if month_no is not None and 1 <= int(day) <= 31:
            for year in (start.year, start.year + 1):
                try:
                    due = date(year, month_no, int(day))
                except ValueError:
                    return None
                if due >= start:
                    return due
    if _BY_END.search(title):
        return end
    lowered = title.lower().lstrip()
    if any(lowered.startswith(v) for v in DELIVERY_VERBS) and objective_number(title) is None:
        return end
    return None


def checkpoints(start: date, due: date) -> list[date]:
    """Two dated checkpoints on the way to a deliverable: a plan agreed within the first fifth of
    the time, the work half done at the middle."""
    span = max((due - start).days, 2)
    return [start + timedelta(days=max(1, span // 5)), start + timedelta(days=span // 2)]


# ---------------------------------------------------------------- which goal leads
STAGE_FIT_RANK = {"early": {"volume": 0, "any": 0, "quality": 1},
                  "growth": {"volume": 0, "quality": 0, "any": 0},
                  "mature": {"quality": 0, "any": 0, "volume": 1}}
"""Whether a catalog KPI's stage fit ('volume', 'quality', 'any') is off the company's stage (1): early
leads with volume, mature with quality and margin, growth with profitable volume (both count); a
measure that matters at any stage is never off it."""


def importance(stage: str, fit: str, *, named: bool, gamed: bool, primary: bool, order: int) -> tuple:
    """A sort key, most important first: a gamed KPI after every honest one (its guardrail leads);
    a KPI the objective's title names (or a milestone's deliverable) before one that only serves it;
    then a KPI off the company's stage after those on it, the primary KPI before the secondary, and
    the objectives' own order."""
    fits = STAGE_FIT_RANK.get(stage, STAGE_FIT_RANK["growth"])
    return (gamed, not named, fits.get(fit, 0), not primary, order)
