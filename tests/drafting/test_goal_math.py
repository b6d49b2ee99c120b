"""The goal arithmetic on small hand-made series: each step as the goals docstring states it."""

from __future__ import annotations

from datetime import date, timedelta

from assistant.domain.models import Kpi
from assistant.drafting.kinds import goal_math as gm

START, END = date(2027, 1, 1), date(2027, 3, 31)


def weekly(*values: float) -> list[gm.Point]:
    first = START - timedelta(weeks=len(values))
    return [(first + timedelta(weeks=i), v) for i, v in enumerate(values)]


def test_baseline_is_the_mean_of_the_last_points():
    assert gm.baseline(weekly(100, 1, 2, 3, 4)) == (2.5, weekly(100, 1, 2, 3, 4)[1:])
    assert gm.baseline(weekly(7))[0] == 7.0


def test_trend_is_per_week_and_counts_only_when_it_improves():
    rising = weekly(10, 11, 12, 13)
    assert gm.trend_per_week(rising) == 1.0
    assert gm.trend_effect(1.0, gm.better_sign("up")) == (13.0, 13.0)
    assert gm.trend_effect(1.0, gm.better_sign("down")) == (13.0, 0.0)  # worsening: not projected
    fortnightly = [(START - timedelta(weeks=2 * (4 - i)), v) for i, v in enumerate([10, 11, 12, 13])]
    assert gm.trend_per_week(fortnightly) == 0.5


def test_the_cap_binds_and_percent_targets_stay_in_range():
    limit, best = gm.cap(weekly(90, 96, 92), gm.better_sign("up"))
    assert (limit, best[1]) == (100.8, 96)
    assert gm.target(120.0, limit, 1.0, "count") == (100.8, True)
    assert gm.target(120.0, limit, 1.0, "percent") == (100.0, True)
    assert gm.target(95.0, limit, 1.0, "percent") == (95.0, False)
    assert gm.target(-3.0, -4.0, -1.0, "count") == (0.0, False)  # lower is better, never below 0


def test_compute_goal_adds_the_steps_up_and_cites_its_values():
    kpi = Kpi(key="fcr", name="First-contact resolution", unit="percent", direction="up", frequency="weekly")
    goal = gm.compute_goal(kpi, weekly(60, 60, 60, 60), START, END)
    assert (goal["baseline"], goal["trend_per_week"], goal["improvement"], goal["target"]) == (60.0, 0.0, 6.0, 63.0)
    assert goal["capped"] and goal["cap"] == 63.0 and goal["projected"] == 66.0
    assert "trend +0 a week" in goal["arithmetic"] and "binds" in goal["arithmetic"]
    assert goal["sources"] == [f"kpi:fcr@{d.isoformat()}" for d, _ in weekly(60, 60, 60, 60)]
    assert gm.compute_goal(kpi, weekly(60), date(2000, 1, 1), END) is None
