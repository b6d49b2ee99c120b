"""Drafting: every draft kind on one grounded pipeline (see pipeline.py).

    draft_brief(session, viewer, subject, week)      1:1 prep brief for a manager
    draft_feedback(session, viewer, subject, week)   check-in feedback for a team member
    draft_goals(session, viewer, subject, quarter)   next-quarter role goals for a founder
"""

from assistant.drafting.brief import draft_brief

__all__ = ["draft_brief"]
