"""The calendar refuses weeks and quarters that do not exist, or lie outside the years it serves."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.domain import calendar
from assistant.errors import InvalidInput


@pytest.mark.parametrize("week", ["9999-W52", "2027-W53", "0000-W01", "1999-W52", "2101-W01", "2026-W54",
                                  "2026-W00", "2026-37", " ", 2026, None])
def test_weeks_that_do_not_exist_are_refused(week):
    with pytest.raises(InvalidInput):
        calendar.check_week(week)
    with pytest.raises(InvalidInput):
        calendar.iso_week_monday(week)


@pytest.mark.parametrize("quarter", ["9999-Q4", "0000-Q1", "1999-Q4", "2101-Q1", "2026-Q5", "2026-Q0", "Q4"])
def test_quarters_that_do_not_exist_are_refused(quarter):
    with pytest.raises(InvalidInput):
        calendar.check_quarter(quarter)
    with pytest.raises(InvalidInput):
        calendar.quarter_bounds(quarter)


def test_real_weeks_and_quarters_pass_and_their_neighbours_exist():
    assert calendar.check_week("2026-W53") == "2026-W53"  # 2026 has 53 ISO weeks
    assert calendar.check_week(" 2000-W01 ") == "2000-W01"
    assert calendar.check_quarter("2100-Q4") == "2100-Q4"
    # every week and quarter the range allows has a next and a previous one the date type can hold
    assert calendar.next_week(f"{calendar.MAX_YEAR}-W52")
    assert calendar.weeks_back(f"{calendar.MIN_YEAR}-W01", 60)
    assert calendar.next_quarter(f"{calendar.MAX_YEAR}-Q4") and calendar.previous_quarter(f"{calendar.MIN_YEAR}-Q1")


def test_pydantic_types_refuse_with_a_sentence():
    from pydantic import BaseModel, ValidationError

    class Body(BaseModel):
        week: calendar.Week
        quarter: calendar.QuarterId

    assert Body(week="2026-W40", quarter="2026-Q4").week == "2026-W40"
    with pytest.raises(ValidationError) as err:
        Body(week="2027-W53", quarter="9999-Q4")
    text = str(err.value)
    assert "2027-W53" in text and "does not exist" in text and "9999-Q4" in text


def test_weeks_after_next_are_refused_for_checkins(monkeypatch):
    monkeypatch.setenv("CADENCE_TODAY", "2026-12-01")  # 2026-W49
    from assistant.settings import get_settings

    get_settings.cache_clear()
    assert calendar.check_checkin_week("2026-W50") == "2026-W50"  # next week: filed ahead, fine
    assert calendar.check_checkin_week("2020-W01") == "2020-W01"
    with pytest.raises(InvalidInput, match="after next"):
        calendar.check_checkin_week("2026-W51")
    assert calendar.today() == date(2026, 12, 1)
