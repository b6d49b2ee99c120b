from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import RowId, RowIdQuery, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.meetings import (
    add_action,
    add_agenda_item,
    meeting_detail,
    record_meeting,
    set_action_done,
    update_meeting,
    visible_meetings,
)
from assistant.domain.models import ActionItem, AgendaItem, Meeting
from assistant.domain.schemas import (
    ActionItemCreate,
    ActionItemPublic,
    ActionItemUpdate,
    AgendaItemCreate,
    AgendaItemPublic,
    MeetingCreate,
    MeetingDetail,
    MeetingPublic,
    MeetingUpdate,
)

# No prefix: action items have their own path (/api/actions/{id}) beside /api/meetings.
router = APIRouter(tags=["meetings"])


@router.get("/api/meetings", response_model=list[MeetingPublic], responses=errors())
def list_meetings(session: SessionDep, viewer: ViewerDep, person_id: RowIdQuery = None) -> list[Meeting]:
    return visible_meetings(session, viewer, person_id=person_id)


@router.post("/api/meetings", response_model=MeetingPublic, status_code=201, responses=errors(403, 404, 409, 422))
def create_meeting(body: MeetingCreate, session: WriteSessionDep, viewer: ViewerDep) -> Meeting:
    """Schedule a 1:1 with a report, or record one you ran (held, cancelled or rushed)."""
    row = record_meeting(session, viewer, body)
    session.commit()
    return row


@router.get("/api/meetings/{meeting_id}", response_model=MeetingDetail, responses=errors(404))
def get_meeting(meeting_id: RowId, session: SessionDep, viewer: ViewerDep) -> MeetingDetail:
    """The 1:1 with its agenda, shared notes, action items and your own private notes."""
    return meeting_detail(session, viewer, meeting_id)


@router.patch("/api/meetings/{meeting_id}", response_model=MeetingDetail, responses=errors(403, 404, 409, 422))
def patch_meeting(meeting_id: RowId, body: MeetingUpdate, session: WriteSessionDep, viewer: ViewerDep) -> MeetingDetail:
    """Shared notes and your private notes (either person); date, status, minutes (its manager)."""
    update_meeting(session, viewer, meeting_id, body)
    detail = meeting_detail(session, viewer, meeting_id)  # read before the commit ends the write transaction
    session.commit()
    return detail


@router.post("/api/meetings/{meeting_id}/agenda", response_model=AgendaItemPublic, status_code=201,
             responses=errors(403, 404, 422))
def post_agenda_item(meeting_id: RowId, body: AgendaItemCreate, session: WriteSessionDep,
                     viewer: ViewerDep) -> AgendaItem:
    row = add_agenda_item(session, viewer, meeting_id, body)
    session.commit()
    return row


@router.post("/api/meetings/{meeting_id}/actions", response_model=ActionItemPublic, status_code=201,
             responses=errors(403, 404, 422))
def post_action(meeting_id: RowId, body: ActionItemCreate, session: WriteSessionDep, viewer: ViewerDep) -> ActionItem:
    row = add_action(session, viewer, meeting_id, body)
    session.commit()
    return row


@router.patch("/api/actions/{action_id}", response_model=ActionItemPublic, responses=errors(403, 404, 422))
def patch_action(action_id: RowId, body: ActionItemUpdate, session: WriteSessionDep, viewer: ViewerDep) -> ActionItem:
    """Tick an action item done, or open it again (either person in its 1:1)."""
    row = set_action_done(session, viewer, action_id, body.done)
    session.commit()
    return row
