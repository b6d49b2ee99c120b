"""An honest trend label for a KPI series: the change between the two points it cites.

The reading looks at the last ``RECENT_POINTS`` values (about a quarter of weekly points)
and first at the month inside them: the latest point and the ``CHANGE_POINTS - 1`` before it.
The **noise band** is ``NOISE_BAND`` times the spread (sample standard deviation) of the
week-to-week steps *before* that month, so the move being judged never widens the band it
is judged against; a steady climb has steps of one size, so its spread is small. With fewer
than ``MIN_NOISE_STEPS`` earlier steps the noise cannot be read and any change counts.

The label, in order:

1. **the month moved** when its change is not zero and either every step in it went the same
   way (a consistent rise or fall is never flat), or the noise cannot be read, or the change
   is beyond the noise band. It cites the month's first and last points.
2. **the quarter moved**: the month is within noise but went the same way, and the change
   from the first recent point is beyond the same band with the least-squares line through
   the recent points sloping that way too (a slow drift a month hides; a climb that has
   levelled off this month is not one). It cites the first recent point.
3. otherwise **flat**: within the series' own noise (or unchanged). It cites the month.

Crossing the target is not a move of its own: a value that slips below target inside its
noise is flat, and the reading's run (weeks on or off target) says it is off target.

Why twice the spread: for a KPI that wobbles around its level, the change between two
points varies about as much as one step does, so a move beyond two spreads of the usual
step is one the wobble alone gives about one time in twenty.

A move is **improving** or **worsening** by the KPI's better direction, and its motion is
rising or falling by the sign of the change. ``change`` is always ``end.value - start.value``
of the two cited points and ``change_pct`` is that change over ``|start.value|``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from assistant.assessment.model import Point, TrendReading
from assistant.kpi_audit.trends import slope

CHANGE_POINTS = 4  # the latest point and the three before it: about a month of weekly values
RECENT_POINTS = 13  # a quarter of weekly points plus the one before it
NOISE_BAND = 2.0  # a move inside two spreads of the usual weekly step is the series' wobble
MIN_NOISE_STEPS = 3  # fewer earlier steps cannot say how much the series usually wobbles


def _r(x: float, places: int = 4) -> float:
    return round(x, places) + 0.0  # + 0.0 turns -0.0 into 0.0


def _fmt(x: float) -> str:
    return f"{_r(x):g}"


def spread(steps: Sequence[float]) -> float | None:
    """Sample standard deviation of ``steps``; None when there are too few to read."""
    if len(steps) < MIN_NOISE_STEPS:
        return None
    mean = sum(steps) / len(steps)
    return math.sqrt(sum((s - mean) ** 2 for s in steps) / (len(steps) - 1))


def _over(n: int) -> str:
    return f"over {n} step" + ("" if n == 1 else "s")


def _steps(pts: Sequence[Point]) -> list[float]:
    return [b.value - a.value for a, b in zip(pts, pts[1:], strict=False)]


def _moved(change: float, band: float | None) -> bool:
    return _r(change) != 0 and (band is None or abs(change) > band)


def read_trend(points: Sequence[Point], direction: str, *, change_points: int = CHANGE_POINTS) -> TrendReading:
    """The trend of ``points`` (sorted by period) for a KPI whose better direction is ``direction``,
    by the rule in the module docstring."""
    pts = [p for p in points if math.isfinite(p.value)]
    if len(pts) < 2:
        return TrendReading(rule="fewer than two values: no trend")
    recent = pts[-RECENT_POINTS:]
    month = recent[-min(change_points, len(recent)):]
    earlier = _steps(recent[: len(recent) - len(month) + 1])
    noise = spread(earlier)
    band = None if noise is None else NOISE_BAND * noise
    against = ("too few earlier values to read the series' noise, so any change counts" if band is None else
               f"the noise band {_fmt(band)}: twice the spread of the {len(earlier)} steps before them")
    steps = _steps(month)
    change = month[-1].value - month[0].value
    n = len(steps)

    cited, moved = month, True
    if _r(change) != 0 and n >= 2 and (all(s > 0 for s in steps) or all(s < 0 for s in steps)):
        rule = f"moved the same way at each of the {n} steps"
    elif _moved(change, band):
        rule = f"a change of {_fmt(abs(change))} {_over(n)}" + (": " if band is None else " is beyond ") + against
    elif band is not None and len(recent) > len(month) and _moved(long := recent[-1].value - recent[0].value, band) \
            and slope([p.value for p in recent]) * long > 0 and change * long > 0:
        cited, change, n = recent, long, len(recent) - 1
        rule = (f"the last {len(steps)} steps are within its noise, but a change of {_fmt(abs(long))} {_over(n)} "
                f"is beyond {against}, and the line through them agrees")
    else:
        moved = False
        rule = ("unchanged between the two points" if _r(change) == 0 else
                f"a change of {_fmt(abs(change))} {_over(n)} is within {against}")

    start, end = cited[0], cited[-1]
    cited_steps = _steps(cited)
    motion = "flat" if not moved else "rising" if change > 0 else "falling"
    label = "flat" if not moved else "improving" if (change > 0) == (direction == "up") else "worsening"
    pct = None if start.value == 0 else _r(100 * change / abs(start.value), 1)
    return TrendReading(label=label, motion=motion, start=start, end=end, change=_r(change), change_pct=pct,
                        steps=n, consistent=all(s > 0 for s in cited_steps) or all(s < 0 for s in cited_steps),
                        noise=None if noise is None else _r(noise), rule=rule)
