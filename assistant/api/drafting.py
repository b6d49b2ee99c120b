"""Requesting drafts: POST /api/drafts/<kind>. Reading and deciding on them is in drafts.py."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import RowId, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.goals import goal_public
from assistant.domain.models import Draft, Person
from assistant.domain.schemas import (
    BriefRequest,
    DraftPublic,
    FeedbackRequest,
    GoalAccept,
    GoalPublic,
    GoalsRequest,
)
from assistant.domain.team import visible_person_by_email
from assistant.drafting import request_draft
from assistant.drafting.kinds.goals import accept_suggestion

router = APIRouter(prefix="/api/drafts", tags=["drafts"])


@router.post("/brief", response_model=DraftPublic, status_code=201, responses=errors(403, 404, 422, 429, 502, 503))
def request_brief(body: BriefRequest, session: SessionDep, viewer: ViewerDep) -> Draft:
    """Draft a 1:1 prep brief (the reads run first; the draft is stored once the model answers)."""
    subject = visible_person_by_email(session, viewer, body.person)
    return request_draft("brief", session, viewer, subject, body.week)


@router.post("/feedback", response_model=DraftPublic, status_code=201,
             responses=errors(403, 404, 422, 429, 502, 503))
def request_feedback(body: FeedbackRequest, session: SessionDep, viewer: ViewerDep) -> Draft:
    """Feedback on a check-in, for the person who filed it or one of their managers."""
    subject = visible_person_by_email(session, viewer, body.person or viewer.email)
    return request_draft("feedback", session, session.get(Person, viewer.id), subject, body.week)


@router.post("/goals", response_model=DraftPublic, status_code=201, responses=errors(403, 404, 422, 429, 502, 503))
def request_goals(body: GoalsRequest, session: SessionDep, viewer: ViewerDep) -> Draft:
    """Next-quarter role goal suggestions (a founder, or a manager for their reports)."""
    subject = visible_person_by_email(session, viewer, body.person)
    return request_draft("goals", session, session.get(Person, viewer.id), subject, body.quarter)


@router.post("/{draft_id}/goals/{index}/accept", response_model=GoalPublic, status_code=201,
             responses=errors(403, 404, 409, 422, 429))
def accept_goal(draft_id: RowId, index: int, session: WriteSessionDep, viewer: ViewerDep,
                body: GoalAccept | None = None) -> GoalPublic:
    """Turn goal suggestion ``index`` of a goals draft into a stored role goal, as drafted or edited."""
    edits = body or GoalAccept()
    goal = accept_suggestion(session, viewer, draft_id, index, title=edits.title, target=edits.target)
    session.commit()
    return goal_public(session, goal)
