"""Trend statistics over short KPI series (pure functions, no I/O).

A trend is judged from the whole recent window, never from its two end points: the
relative change compares the mean of the second half with the mean of the first half,
and the least-squares slope must agree on the sign. One spike at either end therefore
moves the verdict far less than it moves a first-vs-last comparison.

``judge`` is the audit's rule for "this series really moved", stated in three parts:

1. **material**: the least-squares line moves more than ``material`` (5%) of its starting
   level over the window;
2. **beyond its own noise**: the gap between the two half-means is larger than a flat
   noisy series would show 19 times in 20: more than t standard errors, where the per-point
   noise is read from the series' week-to-week changes (their spread over sqrt 2, which a
   steady trend does not inflate), the standard error of a difference of two means of h
   points is noise * sqrt(2 / h), and t is Student's two-sided 95% value for the n - 2
   degrees of freedom the noise estimate has (2.23 for 12 points, 2.45 for 8), because a
   noise level read from a dozen points is itself uncertain;
3. **consistent**: the half-means and the slope point the same way.

A guardrail that zigzags by 8% a week with no trend therefore does not "worsen" because
its second half happened to average 6% higher, while a smooth 6% climb does.
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
    noise: float = 0.0  # per-point noise: spread of the week-to-week changes / sqrt(2)
    first_value: float = 0.0  # the window's first and last values (the points a reason cites)
    last_value: float = 0.0
    half: int = 0  # points in each half
    fit_start: float = 0.0  # the least-squares line's value at the window's first point

    @property
    def line_change(self) -> float:
        """Relative move of the least-squares line over the window (signed)."""
        move = self.slope * (self.points - 1)
        return 0.0 if self.fit_start == 0 else move / abs(self.fit_start)

    @property
    def endpoint_change(self) -> float:
        """Relative change from the first to the last value of the window (signed)."""
        return relative_change(self.first_value, self.last_value)

    @property
    def standard_error(self) -> float:
        """Standard error of (second_mean - first_mean) when the series is flat noise."""
        return self.noise * math.sqrt(2 / self.half) if self.half else 0.0

    def as_evidence(self) -> dict[str, object]:
        return {
            "points": self.points,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "first_half_mean": round(self.first_mean, 4),
            "second_half_mean": round(self.second_mean, 4),
            "relative_change_pct": round(100 * self.relative_change, 1),
            "first_value": self.first_value,
            "last_value": self.last_value,
            "endpoint_change_pct": round(100 * self.endpoint_change, 1),
            "line_change_pct": round(100 * self.line_change, 1),
            "noise": round(self.noise, 4),
            "half": self.half,
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
    b = slope(ys)
    return Trend(points=len(pts), start=pts[0][0], end=pts[-1][0], first_mean=m1, second_mean=m2,
                 relative_change=relative_change(m1, m2), slope=b, noise=noise(ys),
                 first_value=ys[0], last_value=ys[-1], half=len(ys) // 2,
                 fit_start=sum(ys) / len(ys) - b * (len(ys) - 1) / 2)


def noise(ys: Sequence[float]) -> float:
    """Per-point noise of a series: the sample spread of its successive differences over sqrt 2.

    Differencing removes a steady trend (a straight line has constant differences), so a
    series that climbs smoothly reads as quiet and one that zigzags reads as noisy.
    """
    diffs = [b - a for a, b in zip(ys, ys[1:], strict=False)]
    if len(diffs) < 2:
        return 0.0
    mean = sum(diffs) / len(diffs)
    var = sum((d - mean) ** 2 for d in diffs) / (len(diffs) - 1)
    return math.sqrt(var / 2)


MATERIAL = 0.05  # the trend line must move more than 5% of its level over the window
# Student's t, two-sided 95%, by degrees of freedom (2..30); 1.96 beyond.
_T95 = (4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t95(df: int) -> float:
    """Student's two-sided 95% critical value for ``df`` degrees of freedom (at least 2)."""
    df = max(df, 2)
    return _T95[df - 2] if df - 2 < len(_T95) else 1.96


def judge(t: Trend, *, better: str, material: float = MATERIAL) -> str:
    """'better', 'worse' or 'flat' by the three-part rule in the module docstring."""
    gap = t.second_mean - t.first_mean
    if abs(t.line_change) <= material or gap * t.slope <= 0 or abs(gap) <= t95(t.points - 2) * t.standard_error:
        return "flat"
    return "better" if (gap > 0) == (better == "up") else "worse"


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
