"""The goal arithmetic on small hand-made series: each step as the goals docstring states it; and a
goal's pace through its quarter (domain.goals, where the assessment can read it)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.domain.goals import elapsed_share, pace
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
    # 60% has 40 points of room left, fewer than its 60: the steps are shares of those 40.
    assert (goal["baseline"], goal["trend_per_week"], goal["improvement"], goal["target"]) == (60.0, 0.0, 4.0, 62.0)
    assert goal["capped"] and goal["cap"] == 62.0 and goal["projected"] == 64.0
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


def test_a_rising_percent_steps_a_share_of_the_room_left_to_100():
    assert gm.improvement(97.78, "percent", 1.0) == 0.22  # 10% of the 2.22 points left, not 9.78
    assert gm.improvement(12.5, "percent", 1.0) == 1.25  # far from 100: 10% of the baseline
    assert gm.improvement(13.2, "percent", -1.0) == 1.32  # falling toward 0: 10% of the baseline
    limit, best = gm.cap(weekly(91, 98.6, 97), 1.0, "percent")
    assert (limit, best[1]) == (98.67, 98.6)  # not 103.53%
    csat = Kpi(key="csat", name="CSAT", unit="percent", direction="up", frequency="weekly")
    goal = gm.compute_goal(csat, weekly(91, 95, 97, 98, 98.6), START, END)
    assert goal["target"] <= 100 and goal["cap"] == 98.67 and "room left to 100%" in goal["arithmetic"]


@pytest.mark.parametrize(("baseline", "target", "latest", "share", "direction", "expected", "on_pace"), [
    (13.2, 11.8, 12.4, 0.5, "down", 12.5, True),  # halfway there at half time
    (13.2, 11.8, 12.9, 0.5, "down", 12.5, False),
    (20.0, 30.0, 26.0, 0.5, "up", 25.0, True),
    (20.0, 30.0, 21.0, 0.5, "up", 25.0, False),
    (4.5, 10.0, 6.0, 0.3, "down", 10.0, True),  # met before the quarter began: hold the target
    (4.5, 10.0, 11.0, 0.3, "down", 10.0, False),
])
def test_pace_reads_the_straight_line_from_baseline_to_target(baseline, target, latest, share, direction, expected,
                                                               on_pace):
    p = pace(baseline, target, latest, share, direction)
    assert (p.expected, p.on_pace) == (expected, on_pace)
    assert (p.behind_by == 0) is on_pace


def test_pace_progress_and_elapsed_share():
    assert pace(20.0, 30.0, 25.0, 0.5, "up").progress == 0.5
    assert pace(4.5, 10.0, 6.0, 0.3, "down").progress is None
    assert elapsed_share(date(2027, 1, 1), START, END) == pytest.approx(1 / 90)
    assert elapsed_share(date(2027, 3, 31), START, END) == 1.0
    assert elapsed_share(date(2026, 12, 1), START, END) == 0.0


@pytest.mark.parametrize(("title", "due"), [
    ("Launch the spring collection by April 1", date(2027, 4, 1)),
    ("Dual-source the best-selling SKU by March 15", date(2027, 3, 15)),
    ("Cut the range to 40 SKUs by March 1", date(2027, 3, 1)),
    ("Open the EU store by 15th February", date(2027, 2, 15)),
    ("Ship the new packaging by 2027-02-10", date(2027, 2, 10)),
    ("Dual-source the best-selling SKU", END),  # a deliverable with no date: the quarter's end
    ("Migrate to the new 3PL by the end of the quarter", END),
    ("Stock-out rate on hero SKUs under 2%", None),
    ("Gross margin back above 35%", None),
    ("Launch TACOS under 10%", None),  # a measured number: a KPI objective, whatever its verb
])
def test_a_milestone_objective_has_a_due_date(title, due):
    assert gm.milestone_due(title, START, END) == due


def test_checkpoints_fall_before_the_due_date():
    plan, half = gm.checkpoints(START, date(2027, 3, 15))
    assert START < plan < half < date(2027, 3, 15)


def test_importance_puts_the_named_kpi_first_and_follows_the_stage():
    named = gm.importance("mature", "any", named=True, gamed=False, primary=False, order=3)
    quality = gm.importance("mature", "quality", named=False, gamed=False, primary=False, order=0)
    volume = gm.importance("mature", "volume", named=False, gamed=False, primary=True, order=0)
    gamed = gm.importance("mature", "quality", named=True, gamed=True, primary=True, order=0)
    assert sorted([gamed, volume, quality, named]) == [named, quality, volume, gamed]
    early_volume = gm.importance("early", "volume", named=False, gamed=False, primary=False, order=0)
    early_quality = gm.importance("early", "quality", named=False, gamed=False, primary=True, order=0)
    assert early_volume < early_quality  # off the stage: after a secondary KPI that is on it
    primary = gm.importance("growth", "any", named=False, gamed=False, primary=True, order=1)
    secondary = gm.importance("growth", "volume", named=False, gamed=False, primary=False, order=0)
    assert primary < secondary  # growth needs both: the founder's primary leads
