"""Moving an org file in time, so a demo recorded weeks ago reads as this week's data.

Every date moves by the same whole number of weeks, so a Monday stays a Monday and a
Tuesday 1:1 stays on a Tuesday; every ISO week moves with it. Quarter ids move by whole
quarters: as many as lie between the quarter of the file's latest week and the quarter of
the week it lands on, so the quarter that held the latest week is the current quarter after
the move (a goal keeps the quarter its data sits in, give or take the weeks at either end).

The file on disk is never rewritten: ``shift_org`` returns a new ``OrgFile``. Free text
(check-ins, goal titles) keeps the words it was written with, dates in prose included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from assistant.domain.calendar import ISO_WEEK, QUARTER, iso_week_monday, quarter_of, week_of
from assistant.domain.orgfile.schema import OrgFile

WEEK_KEYS = frozenset({"week"})
QUARTER_KEYS = frozenset({"quarter"})
"""Keys whose string value is an ISO week or a quarter id; ``quarters[].id`` is a quarter too."""


@dataclass(frozen=True)
class Shift:
    """How far a file moved, and the span of weeks it covers before and after."""

    weeks: int
    quarters: int
    first_week: str | None = None
    last_week: str | None = None

    def moved(self, week: str) -> str:
        return week_of(iso_week_monday(week) + timedelta(weeks=self.weeks))

    def summary(self) -> str:
        """One line for a console: what moved, from which span to which."""
        if self.first_week is None or self.last_week is None:
            return "no dated records: nothing to move"
        span = f"{self.first_week}..{self.last_week}"
        if self.weeks == 0:
            return f"dates kept as they are ({span} already ends this week)"
        direction = "forward" if self.weeks > 0 else "back"
        quarters = (f"; quarters {'+' if self.quarters > 0 else ''}{self.quarters}" if self.quarters
                    else "; quarter ids unchanged")
        return (f"dates moved {direction} {abs(self.weeks)} week(s): {span} -> "
                f"{self.moved(self.first_week)}..{self.moved(self.last_week)}{quarters}")


def dated_weeks(org: OrgFile) -> list[str]:
    """Every ISO week the file's records fall in (check-ins, KPI values, 1:1s...), sorted."""
    weeks: set[str] = set()

    def walk(node: Any, key: str | None = None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, date):
            weeks.add(week_of(node))
        elif key in WEEK_KEYS and isinstance(node, str) and ISO_WEEK.match(node):
            weeks.add(node)

    walk(org.model_dump())
    return sorted(weeks, key=iso_week_monday)


def shift_to_week(org: OrgFile, week: str) -> tuple[OrgFile, Shift]:
    """The file moved so that its latest dated week is ``week``, and how far it moved."""
    weeks = dated_weeks(org)
    if not weeks:
        return org, Shift(0, 0)
    latest = iso_week_monday(weeks[-1])
    target = iso_week_monday(week)
    shift = Shift(weeks=(target - latest).days // 7, quarters=_quarter_index(quarter_of(target))
                  - _quarter_index(quarter_of(latest)), first_week=weeks[0], last_week=weeks[-1])
    return shift_org(org, shift), shift


def shift_org(org: OrgFile, shift: Shift) -> OrgFile:
    """A copy of ``org`` with every date moved ``shift.weeks`` weeks and every quarter id
    ``shift.quarters`` quarters (the input is left untouched)."""
    if shift.weeks == 0 and shift.quarters == 0:
        return org.model_copy(deep=True)
    delta = timedelta(weeks=shift.weeks)

    def move(node: Any, key: str | None = None, parent: str | None = None) -> Any:
        if isinstance(node, dict):
            return {k: move(v, k, key) for k, v in node.items()}
        if isinstance(node, list):
            return [move(item, key, parent) for item in node]
        if isinstance(node, date):
            return node + delta
        if isinstance(node, str):
            if key in WEEK_KEYS and ISO_WEEK.match(node):
                return week_of(iso_week_monday(node) + delta)
            if (key in QUARTER_KEYS or (key == "id" and parent == "quarters")) and QUARTER.match(node):
                return _quarter_id(_quarter_index(node) + shift.quarters)
        return node

    return OrgFile.model_validate(move(org.model_dump()))


def _quarter_index(quarter: str) -> int:
    m = QUARTER.match(quarter)
    if m is None:
        raise ValueError(f"not a quarter id: {quarter!r}")
    return int(m[1]) * 4 + int(m[2]) - 1


def _quarter_id(index: int) -> str:
    year, q = divmod(index, 4)
    return f"{year}-Q{q + 1}"
