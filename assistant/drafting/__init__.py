"""Drafting: every draft kind on one grounded pipeline (see pipeline.py).

    draft_brief(session, viewer, subject, week)      1:1 prep brief for a manager
    draft_feedback(session, viewer, subject, week)   check-in feedback for a team member
    draft_goals(session, viewer, subject, quarter)   next-quarter role goals for a founder

``DRAFTERS`` maps each kind to its drafter; the CLI, API, web, evals and benchmarks look a
kind up there instead of choosing a function themselves.
"""

from collections.abc import Callable

from assistant.domain.models import Draft
from assistant.drafting.kinds.brief import draft_brief
from assistant.drafting.kinds.feedback import draft_feedback
from assistant.drafting.kinds.goals import draft_goals

Drafter = Callable[..., Draft]
"""(session, viewer, subject, period, *, provider=None) -> the stored Draft. The period is an
ISO week for a brief or feedback (None: the subject's latest check-in week) and a quarter for goals."""

DRAFTERS: dict[str, Drafter] = {"brief": draft_brief, "feedback": draft_feedback, "goals": draft_goals}

__all__ = ["DRAFTERS", "Drafter", "draft_brief", "draft_feedback", "draft_goals"]
