"""Requesting drafts: POST /api/drafts/<kind>. Reading and deciding on them is in drafts.py."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response
from sqlmodel import Session

from assistant.api.deps import RowId, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.drafts import draft_public
from assistant.domain.goals import goal_public
from assistant.domain.models import Draft, Person, utcnow
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
REUSED = {200: {"model": DraftPublic, "description": "Your unedited draft from the same inputs, already stored"}}


def _answer(session: Session, viewer: Person, draft: Draft, response: Response, started: datetime) -> DraftPublic:
    """201 for a new draft; 200 when preparing again handed back the one stored before."""
    created = draft.created_at if draft.created_at.tzinfo else draft.created_at.replace(tzinfo=UTC)
    if created < started:
        response.status_code = 200
    return draft_public(session, viewer, draft)


@router.post("/brief", response_model=DraftPublic, status_code=201,
             responses=REUSED | errors(403, 404, 422, 429, 502, 503))
def request_brief(body: BriefRequest, session: SessionDep, viewer: ViewerDep, response: Response) -> DraftPublic:
    """Draft a 1:1 prep brief (the reads run first; the draft is stored once the model answers)."""
    started = utcnow()
    subject = visible_person_by_email(session, viewer, body.person)
    return _answer(session, viewer, request_draft("brief", session, viewer, subject, body.week), response, started)


@router.post("/feedback", response_model=DraftPublic, status_code=201,
             responses=REUSED | errors(403, 404, 422, 429, 502, 503))
def request_feedback(body: FeedbackRequest, session: SessionDep, viewer: ViewerDep, response: Response) -> DraftPublic:
    """Feedback on a check-in, for the person who filed it or one of their managers."""
    started = utcnow()
    subject = visible_person_by_email(session, viewer, body.person or viewer.email)
    draft = request_draft("feedback", session, session.get(Person, viewer.id), subject, body.week)
    return _answer(session, viewer, draft, response, started)


@router.post("/goals", response_model=DraftPublic, status_code=201,
             responses=REUSED | errors(403, 404, 422, 429, 502, 503))
def request_goals(body: GoalsRequest, session: SessionDep, viewer: ViewerDep, response: Response) -> DraftPublic:
    """Next-quarter role goal suggestions (a founder, or a manager for their reports)."""
    started = utcnow()
    subject = visible_person_by_email(session, viewer, body.person)
    draft = request_draft("goals", session, session.get(Person, viewer.id), subject, body.quarter)
    return _answer(session, viewer, draft, response, started)


@router.post("/{draft_id}/goals/{index}/accept", response_model=GoalPublic, status_code=201,
             responses=errors(403, 404, 409, 422, 429))
def accept_goal(draft_id: RowId, index: int, session: WriteSessionDep, viewer: ViewerDep,
                body: GoalAccept | None = None) -> GoalPublic:
    """Turn goal suggestion ``index`` of a goals draft into a stored role goal, as drafted or edited."""
    edits = body or GoalAccept()
    goal = accept_suggestion(session, viewer, draft_id, index, title=edits.title, target=edits.target)
    session.commit()
    return goal_public(session, goal)
