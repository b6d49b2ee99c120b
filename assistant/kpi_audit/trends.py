"""Trend statistics over short KPI series (pure functions, no I/O).

A trend is judged from the whole recent window, never from its two end points: the
relative change compares the mean of the second half with the mean of the first half,
and the least-squares slope must agree on the sign. One spike at either end therefore
moves the verdict far less than it moves a first-vs-last comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

MIN_POINTS = 4  # two per half: fewer cannot tell a trend from a wobble
WINDOW = 12  # the recent window: about a quarter of weekly values


@dataclass(frozen=True)
class Trend:
    """How a series moved over its recent window."""

    points: int
    start: date | None
    end: date | None
    first_mean: float
    second_mean: float
    relative_change: float  # (second_mean - first_mean) / |first_mean|; signed
    slope: float  # least-squares slope per period

    def as_evidence(self) -> dict[str, object]:
        return {
            "points": self.points,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "first_half_mean": round(self.first_mean, 4),
            "second_half_mean": round(self.second_mean, 4),
            "relative_change_pct": round(100 * self.relative_change, 1),
        }


def slope(ys: Sequence[float]) -> float:
    """Least-squares slope of ``ys`` against 0..n-1 (0.0 for fewer than two points)."""
    n = len(ys)
    if n < 2:
        return 0.0
    mx = (n - 1) / 2
    my = sum(ys) / n
    sxx = sum((i - mx) ** 2 for i in range(n))
    return sum((i - mx) * (y - my) for i, y in enumerate(ys)) / sxx


def half_means(ys: Sequence[float]) -> tuple[float, float]:
    """Means of the first and second half; an odd middle point belongs to neither."""
    h = len(ys) // 2
    first, second = ys[:h], ys[len(ys) - h :]
    return sum(first) / len(first), sum(second) / len(second)


def relative_change(before: float, after: float) -> float:
    """Signed change relative to ``before``; when ``before`` is 0, relative to the larger size."""
    base = abs(before) or max(abs(before), abs(after))
    return 0.0 if base == 0 else (after - before) / base


def trend(values: Sequence[tuple[date, float]], *, window: int = WINDOW,
          min_points: int = MIN_POINTS) -> Trend | None:
    """The trend of the last ``window`` finite values (sorted by date), or None if too short."""
    pts = sorted((d, v) for d, v in values if v is not None and math.isfinite(v))[-window:]
    if len(pts) < min_points:
        return None
    ys = [v for _, v in pts]
    m1, m2 = half_means(ys)
    return Trend(points=len(pts), start=pts[0][0], end=pts[-1][0], first_mean=m1, second_mean=m2,
                 relative_change=relative_change(m1, m2), slope=slope(ys))


def moved(t: Trend, *, better: str, threshold: float) -> str:
    """'better', 'worse' or 'flat' for a KPI whose better direction is ``better`` ('up'|'down').

    A move counts only when the half-means change by more than ``threshold`` (relative) and
    the regression slope points the same way; anything smaller is noise.
    """
    change = t.relative_change
    if abs(change) <= threshold or change * t.slope <= 0:
        return "flat"
    rising = change > 0
    return "better" if rising == (better == "up") else "worse"


def aligned(a: Sequence[tuple[date, float]], b: Sequence[tuple[date, float]], *,
            window: int = WINDOW, min_points: int = MIN_POINTS
            ) -> tuple[list[tuple[date, float]], list[tuple[date, float]]]:
    """The recent windows of two series, made comparable.

    Periods both series share are used when there are enough of them; otherwise each
    series keeps its own points inside the time span both cover (e.g. weekly vs monthly).
    """
    da, db = dict(a), dict(b)
    common = sorted(set(da) & set(db))[-window:]
    if len(common) >= min_points:
        return [(d, da[d]) for d in common], [(d, db[d]) for d in common]
    if not a or not b:
        return list(a), list(b)
    lo = max(min(da), min(db))
    hi = min(max(da), max(db))
    return ([(d, v) for d, v in sorted(a) if lo <= d <= hi][-window:],
            [(d, v) for d, v in sorted(b) if lo <= d <= hi][-window:])
