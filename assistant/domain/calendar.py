"""The calendar: ISO weeks, quarters and today's date, in one place.

A week string is ``YYYY-Www`` (ISO 8601: weeks start on Monday, week 1 holds the year's
first Thursday). A quarter string is ``YYYY-Qn``. ``today()`` honours ``CADENCE_TODAY``;
nothing else in the code reads the clock for a date.

``check_week`` and ``check_quarter`` are the one test of whether a week or quarter exists;
``Week`` and ``QuarterId`` carry them into request models, query parameters and the org
file, so the API, the web, the CLI and imports refuse the same strings with the same words.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from assistant.errors import InvalidInput
from assistant.settings import get_settings

ISO_WEEK = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")
"""A week string, anchored; ``.pattern`` is what request models and the org file validate with."""
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")

# Unanchored fragments that find weeks and quarters inside prose (the grounding guard).
# They are lax on purpose: '2026-W60' must read as a week the data does not have, not as
# the two numbers 2026 and 60.
WEEK_IN_TEXT = r"\b\d{4}-W\d{2}\b"
SHORT_WEEK_IN_TEXT = r"\bW\d{1,2}\b"
"""'W41' without its year."""
QUARTER_IN_TEXT = r"\b\d{4}-Q[1-4]\b|\bQ[1-4]\b"
"""'2026-Q4' or 'Q4'."""

# Years the record may name. A team's check-ins, KPI values and goals are about the present,
# give or take a few decades; the bounds keep every week and quarter inside them far from
# the ends of Python's date type (years 1-9999), so the arithmetic around a week (the next
# one, 52 weeks back, a quarter's last day) can never overflow into a 500.
MIN_YEAR, MAX_YEAR = 2000, 2100


def today() -> date:
    """Today's date, or the pinned one (``CADENCE_TODAY``): every date default goes through here."""
    return get_settings().today or date.today()


def current_week() -> str:
    """The ISO week of ``today()``."""
    return week_of(today())


def _year(year: int, what: str, value: str) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"{what}: {value} does not exist here: years run from {MIN_YEAR} to {MAX_YEAR}")
    return year


def iso_week_monday(week: str) -> date:
    """The Monday of ISO week ``week`` (e.g. '2026-W37' -> 2026-09-07)."""
    m = ISO_WEEK.match(week.strip()) if isinstance(week, str) else None
    if not m:
        raise InvalidInput(f"week: expected an ISO week like 2026-W37, got {week!r}")
    year = _year(int(m[1]), "week", week.strip())
    try:
        return date.fromisocalendar(year, int(m[2]), 1)
    except ValueError:
        raise InvalidInput(f"week: {week.strip()} does not exist ({year} has 52 ISO weeks)") from None


def check_week(week: str) -> str:
    """``week`` stripped, if it is a real ISO week between MIN_YEAR and MAX_YEAR; else InvalidInput."""
    iso_week_monday(week)
    return week.strip()


def check_checkin_week(week: str) -> str:
    """A week someone may file a check-in for: a real week, no later than next week
    (planning a week ahead is normal; further ahead is a typo or a clock gone wrong)."""
    week = check_week(week)
    latest = next_week(current_week())
    if iso_week_monday(week) > iso_week_monday(latest):
        raise InvalidInput(f"week: {week} is after next week ({latest}); check-ins are filed for a week "
                           "that has started or the one after it")
    return week


def iso_week_sunday(week: str) -> date:
    """The last day (Sunday) of ISO week ``week``."""
    return iso_week_monday(week) + timedelta(days=6)


def week_of(d: date) -> str:
    """The ISO week a date falls in (e.g. 2026-09-10 -> '2026-W37')."""
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_back(week: str, n: int) -> list[str]:
    """The ``n`` ISO weeks ending with ``week``, oldest first (``week`` included)."""
    if n < 1:
        raise InvalidInput("weeks: n must be at least 1")
    monday = iso_week_monday(week)
    return [week_of(monday - timedelta(weeks=i)) for i in range(n - 1, -1, -1)]


def next_week(week: str) -> str:
    return week_of(iso_week_monday(week) + timedelta(weeks=1))


def window(week: str, weeks: int = 4) -> list[str]:
    """The default analysis window: ``week`` and the ``weeks - 1`` before it."""
    return weeks_back(week, weeks)


def span_dates(weeks: list[str]) -> tuple[date, date]:
    """First Monday and last Sunday covered by a list of ISO weeks."""
    if not weeks:
        raise InvalidInput("weeks: at least one week is needed")
    mondays = [iso_week_monday(w) for w in weeks]
    return min(mondays), max(mondays) + timedelta(days=6)


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of ``YYYY-Qn``."""
    m = QUARTER.match(quarter.strip()) if isinstance(quarter, str) else None
    if not m:
        raise InvalidInput(f"quarter: expected a quarter like 2026-Q4, got {quarter!r}")
    year, q = _year(int(m[1]), "quarter", quarter.strip()), int(m[2])
    start = date(year, 3 * (q - 1) + 1, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, end - timedelta(days=1)


def check_quarter(quarter: str) -> str:
    """``quarter`` stripped, if it is ``YYYY-Qn`` with a year between MIN_YEAR and MAX_YEAR; else InvalidInput."""
    quarter_bounds(quarter)
    return quarter.strip()


def quarter_of(d: date) -> str:
    """The quarter a date falls in (2026-11-03 -> '2026-Q4')."""
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def previous_quarter(quarter: str) -> str:
    start, _ = quarter_bounds(quarter)
    return quarter_of(start - timedelta(days=1))


def next_quarter(quarter: str) -> str:
    _, end = quarter_bounds(quarter)
    return quarter_of(end + timedelta(days=1))


def weeks_apart(a: str, b: str) -> int:
    """Whole weeks between two ISO weeks (order does not matter)."""
    return abs((iso_week_monday(a) - iso_week_monday(b)).days) // 7


def _as_value_error(check):  # noqa: ANN001, ANN202 - a check_* function -> a pydantic validator
    """Pydantic reports ValueError as a validation error (422 with the field named); InvalidInput
    would escape it as a server fault."""

    def validate(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check(value)
        except InvalidInput as exc:
            raise ValueError(exc.message.split(": ", 1)[-1]) from None

    return validate


Week = Annotated[str, Field(pattern=ISO_WEEK.pattern), AfterValidator(_as_value_error(check_week))]
"""An ISO week that exists, for request models, query parameters and the org file."""
QuarterId = Annotated[str, Field(pattern=QUARTER.pattern), AfterValidator(_as_value_error(check_quarter))]
"""A quarter ``YYYY-Qn`` in the calendar's years."""
