from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import RowId, RowIdQuery, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.drafts import get_visible_draft, set_status, visible_drafts
from assistant.domain.models import Draft, DraftKind, DraftStatus
from assistant.domain.schemas import DraftEdit, DraftPublic

router = APIRouter(prefix="/api/drafts", tags=["drafts"])


@router.get("", response_model=list[DraftPublic], responses=errors())
def list_drafts(session: SessionDep, viewer: ViewerDep, kind: DraftKind | None = None,
                status: DraftStatus | None = None, subject_id: RowIdQuery = None) -> list[Draft]:
    return visible_drafts(session, viewer, kind=kind, status=status, subject_id=subject_id)


@router.get("/{draft_id}", response_model=DraftPublic, responses=errors(404))
def get_draft(draft_id: RowId, session: SessionDep, viewer: ViewerDep) -> Draft:
    return get_visible_draft(session, viewer, draft_id)


def _transition(draft_id: RowId, status: DraftStatus, session, viewer, content=None) -> Draft:  # noqa: ANN001
    draft = set_status(session, viewer, draft_id, status, content)
    session.commit()
    return draft


@router.post("/{draft_id}/accept", response_model=DraftPublic, responses=errors(403, 404))
def accept(draft_id: RowId, session: WriteSessionDep, viewer: ViewerDep) -> Draft:
    return _transition(draft_id, DraftStatus.accepted, session, viewer)


@router.post("/{draft_id}/discard", response_model=DraftPublic, responses=errors(403, 404))
def discard(draft_id: RowId, session: WriteSessionDep, viewer: ViewerDep) -> Draft:
    return _transition(draft_id, DraftStatus.discarded, session, viewer)


@router.put("/{draft_id}", response_model=DraftPublic, responses=errors(403, 404, 422))
def edit(draft_id: RowId, body: DraftEdit, session: WriteSessionDep, viewer: ViewerDep) -> Draft:
    """Replace the draft's content with the viewer's edit (status becomes ``edited``)."""
    return _transition(draft_id, DraftStatus.edited, session, viewer, body.content)
