from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import RowIdQuery, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.meetings import record_meeting, visible_meetings
from assistant.domain.models import Meeting
from assistant.domain.schemas import MeetingCreate, MeetingPublic

router = APIRouter(prefix="/api/meetings", tags=["meetings"])


@router.get("", response_model=list[MeetingPublic], responses=errors())
def list_meetings(session: SessionDep, viewer: ViewerDep, person_id: RowIdQuery = None) -> list[Meeting]:
    return visible_meetings(session, viewer, person_id=person_id)


@router.post("", response_model=MeetingPublic, status_code=201, responses=errors(403, 404, 422))
def create_meeting(body: MeetingCreate, session: WriteSessionDep, viewer: ViewerDep) -> Meeting:
    """Record a 1:1 you ran with a report (held, cancelled or rushed)."""
    row = record_meeting(session, viewer, body)
    session.commit()
    return row
