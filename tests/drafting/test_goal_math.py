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


def _kpi(**kw) -> Kpi:  # noqa: ANN003
    return Kpi(key="k", name=kw.pop("name", "Gross margin"), unit=kw.pop("unit", "percent"),
               direction=kw.pop("direction", "up"), **kw)


def test_an_objectives_number_is_read_with_its_unit_and_direction():
    assert gm.objective_number("Gross margin back above 35%") == {"value": 35.0, "unit": "percent",
                                                                 "direction": "up", "text": "back above 35%"}
    assert gm.objective_number("Returns under 4% of orders")["direction"] == "down"
    payback = gm.objective_number("Payback under 90 days")
    assert (payback["value"], payback["unit"], payback["direction"]) == (90.0, "days", "down")
    assert gm.objective_number("Lift margin to 22% through peak")["direction"] is None
    assert gm.objective_number("Launch the spring collection") is None


def test_the_number_is_the_kpis_only_for_the_same_unit_direction_and_measure():
    above = gm.objective_number("Gross margin back above 35%")
    assert gm.objective_applies(above, _kpi(), shared_words=True)
    assert not gm.objective_applies(above, _kpi(), shared_words=False)
    assert not gm.objective_applies(above, _kpi(direction="down"), shared_words=True)
    assert not gm.objective_applies(above, _kpi(unit="days"), shared_words=True)


def test_targets_stay_feasible_for_the_unit_at_the_reported_precision():
    assert gm.feasible(106.92, _kpi(name="CSAT"), 1) == 100.0
    assert gm.feasible(-0.4, _kpi(name="Stock-out rate"), 1) == 0.0
    assert gm.feasible(-2.0, _kpi(name="Organic rank", unit="count", direction="down"), 0) == 1.0
    assert gm.feasible(-3.0, _kpi(name="Days of cover", unit="days"), 0) == 0.0
    assert gm.precision([12.5, 13.25, 11.0]) == 2 and gm.precision([3.0, 4.0]) == 0
    assert gm.feasible(11.64, _kpi(), gm.precision([12.1, 13.4])) == 11.6


def test_looser_follows_the_better_direction_and_gaps_are_points():
    assert gm.looser(11.6, 10.0, "down") and not gm.looser(9.5, 10.0, "down")
    assert gm.looser(20.0, 22.0, "up") and not gm.looser(23.0, 22.0, "up")
    assert gm.gap_text(12.93, 10.0, "percent") == "2.93 points"
    assert gm.gap_text(8.0, 6.5, "days") == "1.5 days"
