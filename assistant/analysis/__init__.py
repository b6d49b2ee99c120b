"""Deterministic facts the drafts are built from (1:1 briefs, check-in feedback, goal drafts).

Pure, read-only functions over a SQLModel ``Session`` that return pydantic models, so
they serialise to JSON and into prompts. Week strings are ISO weeks (``2026-W37``); the
default window is the week a draft is for and the 3 before it (``window(week)``).
Source ids (``checkin:<id>``, ``meeting:<id>``, ``kpi:<key>@<date>``) come from
``assistant.domain.sources``.
"""

from assistant.analysis.cadence import Cadence, CadenceSpan, MeetingFact, cadence_health
from assistant.analysis.kpi import (
    GoalProgress,
    KpiStatus,
    Mismatch,
    goal_progress,
    kpi_status,
    on_target,
    self_report_mismatches,
)
from assistant.analysis.text import FollowThrough, RecurringBlocker, priority_follow_through, recurring_blockers
from assistant.domain.calendar import (
    iso_week_monday,
    iso_week_sunday,
    next_week,
    quarter_bounds,
    week_of,
    weeks_back,
    window,
)

__all__ = [
    "Cadence", "CadenceSpan", "FollowThrough", "GoalProgress", "KpiStatus", "MeetingFact", "Mismatch",
    "RecurringBlocker", "cadence_health", "goal_progress", "iso_week_monday", "iso_week_sunday", "kpi_status",
    "next_week", "on_target", "priority_follow_through", "quarter_bounds", "recurring_blockers",
    "self_report_mismatches", "week_of", "weeks_back", "window",
]
