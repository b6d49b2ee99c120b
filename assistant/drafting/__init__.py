"""Drafting: every draft kind on one grounded pipeline (see pipeline.py).

    draft_brief(session, viewer, subject, week)      1:1 prep brief for a manager
    draft_feedback(session, viewer, subject, week)   check-in feedback for a team member
    draft_goals(session, viewer, subject, quarter)   next-quarter role goals for a founder
"""

from assistant.drafting.kinds.brief import draft_brief
from assistant.drafting.kinds.feedback import draft_feedback
from assistant.drafting.kinds.goals import draft_goals

__all__ = ["draft_brief", "draft_feedback", "draft_goals"]
