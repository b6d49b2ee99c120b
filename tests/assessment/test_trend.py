"""The trend rule: 'flat' only inside the series' own noise, and the change is the cited points'."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from assistant.assessment.model import Point
from assistant.assessment.trend import CHANGE_POINTS, read_trend


def pts(*values: float, start: date = date(2026, 7, 6)) -> list[Point]:
    return [Point(period=start + timedelta(weeks=i), value=v, source=f"kpi:k@{start + timedelta(weeks=i)}")
            for i, v in enumerate(values)]


def test_small_clear_moves_are_not_flat():
    up = read_trend(pts(3, 4), "up")
    assert (up.label, up.motion, up.change, up.change_pct) == ("improving", "rising", 1.0, 33.3)
    assert read_trend(pts(3, 4), "down").label == "worsening"
    # 3 -> 4 after a month of 3s: the jump is judged against the quiet weeks before it
    steady = read_trend(pts(3, 3, 3, 3, 3, 3, 4), "up")
    assert steady.label == "improving" and (steady.start.value, steady.end.value) == (3, 4)
    assert "beyond the noise band 0" in steady.rule
    # 4.9 -> 5.5: the demo's inventory turnover to W39, and a wobbling version of it
    turnover = read_trend(pts(5.1, 5.2, 5.2, 5.0, 4.9, 4.8, 4.9, 5.0, 5.3, 5.5), "up")
    assert turnover.label == "improving" and (turnover.start.value, turnover.end.value) == (4.9, 5.5)
    wobbly = read_trend(pts(5.0, 5.1, 4.9, 5.0, 4.9, 5.2, 5.1, 5.5), "up")
    assert wobbly.label == "improving" and not wobbly.consistent and wobbly.change == 0.6


def test_a_rise_every_week_is_never_flat():
    rng = random.Random(7)
    for _ in range(300):
        earlier = [rng.gauss(0, 5) for _ in range(rng.randint(0, 9))]  # however noisy the weeks before
        rises = [rng.choice([0.01, 0.1, 1, 10]) * rng.random() + 1e-3 for _ in range(CHANGE_POINTS - 1)]
        values = [50.0]
        for step in earlier + rises:
            values.append(values[-1] + step)
        r = read_trend(pts(*values), "up")
        assert r.label == "improving" and r.motion == "rising" and r.consistent, (values, r.rule)
        assert read_trend(pts(*values), "down").label == "worsening"


def test_noise_inside_its_band_is_flat():
    # creative tests a week: 2, 3 or 4, round and round
    zigzag = read_trend(pts(2, 3, 2, 3, 4, 3, 2, 3, 4, 3, 2, 3), "up")
    assert zigzag.label == "flat" and zigzag.motion == "flat" and "within the noise band" in zigzag.rule
    assert zigzag.change == -1.0 and zigzag.noise is not None
    assert read_trend(pts(7, 7, 7, 7), "up").label == "flat"  # unchanged
    # pure noise around a level is flat far more often than not; a rising line is read as rising
    rng = random.Random(11)
    noise = [read_trend(pts(*[100 + rng.gauss(0, 2) for _ in range(13)]), "up").label for _ in range(2000)]
    assert noise.count("flat") / len(noise) > 0.75
    climbing = [read_trend(pts(*[100 + 1.0 * i + rng.gauss(0, 2) for i in range(13)]), "up").label
                for _ in range(2000)]
    assert climbing.count("improving") / len(climbing) > 0.6 and climbing.count("worsening") < 20


def test_the_change_is_between_the_two_cited_points():
    rng = random.Random(3)
    for _ in range(500):
        series = pts(*[round(rng.uniform(0, 40), 1) for _ in range(rng.randint(2, 16))])
        r = read_trend(series, rng.choice(["up", "down"]))
        assert r.end == series[-1] and r.start in series
        assert r.change == round(r.end.value - r.start.value, 4)
        assert r.change_pct == (None if r.start.value == 0 else round(100 * r.change / abs(r.start.value), 1))
        assert r.steps == series.index(r.end) - series.index(r.start)
        assert r.rule


def test_a_margin_slipping_below_target_is_worsening():
    steady = read_trend(pts(26.0, 25.8, 25.6, 25.4, 25.1, 24.8), "up")
    assert steady.label == "worsening" and steady.motion == "falling"
    noisy = read_trend(pts(26.2, 25.8, 26.0, 25.5, 25.6, 24.9, 25.1, 24.4), "up")
    assert noisy.label == "worsening" and not noisy.consistent
    assert (noisy.start.value, noisy.end.value, noisy.change) == (25.6, 24.4, -1.2)


def test_a_late_jump_does_not_widen_its_own_band():
    r = read_trend(pts(10, 10, 10, 10, 10, 10, 10, 10, 10, 20), "down")
    assert r.label == "worsening" and r.change == 10.0


def test_a_slow_drift_the_month_hides_cites_the_longer_span():
    # the demo's hero-SKU contribution margin to W41: flat over the month, up over the quarter
    margin = pts(19.4, 19.6, 19.3, 19.8, 20.1, 19.9, 20.3, 20.2, 20.6, 20.4, 20.8, 20.7)
    r = read_trend(margin, "up")
    assert r.label == "improving" and (r.start, r.end) == (margin[0], margin[-1]) and r.change == 1.3
    assert r.steps == 11 and "the line through them agrees" in r.rule
    # a rise and a fall back over the quarter is no drift
    hump = read_trend(pts(3.1, 2.8, 3.4, 4.6, 5.9, 7.2, 8.4, 8.9, 7.8, 5.6, 3.9, 3.5, 3.4, 3.6, 3.3), "down")
    assert hump.label == "flat" and hump.steps == CHANGE_POINTS - 1
    # a climb that levelled off this month is not still climbing
    plateau = read_trend(pts(1, 2, 3, 4, 5, 6, 7, 7.1, 7.0, 7.0), "up")
    assert plateau.label == "flat" and plateau.start.value == 7


@pytest.mark.parametrize("values", [(), (4.0,), (float("nan"), 4.0)])
def test_too_few_values_is_no_trend(values):
    r = read_trend(pts(*values), "up")
    assert r.label == "unknown" and r.start is None and r.change is None
