"""An honest trend label for a KPI series: the change between the two points it cites.

The reading cites a start point (``CHANGE_POINTS - 1`` steps back, fewer when the series is
shorter) and the latest point, and labels the move between them:

- **flat** only when the change is within the series' own noise and the steps between the
  two points do not all go the same way. The noise band is ``NOISE_BAND`` times the spread
  (sample standard deviation) of the series' week-to-week changes over its last
  ``NOISE_POINTS`` points; a steady climb has steps of one size, so its spread is small
  and it never reads as flat. With fewer than three changes to read the noise from, only
  an unchanged value is flat.
- otherwise **improving** or **worsening** by the KPI's better direction, and the motion
  (rising / falling) by the sign of the change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from assistant.assessment.model import Point, TrendReading

CHANGE_POINTS = 4  # the latest point and the three before it: about a month of weekly values
NOISE_POINTS = 13  # a quarter of weekly points plus the one before it
NOISE_BAND = 2.0  # a change inside two spreads of the weekly steps is the series' usual wobble
MIN_NOISE_STEPS = 3


def _r(x: float, places: int = 4) -> float:
    return round(x, places) + 0.0


def spread(steps: Sequence[float]) -> float | None:
    if len(steps) < MIN_NOISE_STEPS:
        return None
    mean = sum(steps) / len(steps)
    return math.sqrt(sum((s - mean) ** 2 for s in steps) / (len(steps) - 1))


def read_trend(points: Sequence[Point], direction: str, *, change_points: int = CHANGE_POINTS) -> TrendReading:
    """The trend of ``points`` (sorted by period) for a KPI whose better direction is ``direction``."""
    if len(points) < 2:
        return TrendReading(rule="fewer than two values: no trend")
    recent = list(points[-NOISE_POINTS:])
    cited = recent[-min(change_points, len(recent)):]
    start, end = cited[0], cited[-1]
    change = end.value - start.value
    steps = [b.value - a.value for a, b in zip(cited, cited[1:], strict=False)]
    consistent = len(steps) >= 1 and (all(s > 0 for s in steps) or all(s < 0 for s in steps))
    noise = spread([b.value - a.value for a, b in zip(recent, recent[1:], strict=False)])
    band = None if noise is None else NOISE_BAND * noise
    if change == 0:
        flat, rule = True, "unchanged between the two points"
    elif consistent and len(steps) >= 2:
        flat, rule = False, f"moved the same way at each of the {len(steps)} steps"
    elif band is None:
        flat, rule = False, "too few values to read the series' noise: any change counts"
    else:
        flat = abs(change) <= band
        rule = (f"a change of {_r(abs(change))} is {'within' if flat else 'beyond'} twice the spread of the "
                f"weekly changes ({_r(band)})")
    motion = "flat" if flat else "rising" if change > 0 else "falling"
    label = "flat" if flat else "improving" if (change > 0) == (direction == "up") else "worsening"
    pct = None if start.value == 0 else _r(100 * change / abs(start.value), 1)
    return TrendReading(label=label, motion=motion, start=start, end=end, change=_r(change), change_pct=pct,
                        steps=len(steps), consistent=consistent, noise=None if noise is None else _r(noise),
                        rule=rule)
