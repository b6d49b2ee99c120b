"""Reading and deciding on drafts: GET /api/drafts, accept, discard, edit (PUT).

Requesting one is drafting.py. Each route returns ``drafts.draft_public``: the requester
appears only to viewers who may see them.
"""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import RowId, RowIdQuery, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.drafts import draft_public, get_visible_draft, set_status, visible_drafts
from assistant.domain.models import DraftKind, DraftStatus
from assistant.domain.schemas import DraftEdit, DraftPublic
from assistant.drafting.edits import edit_draft

router = APIRouter(prefix="/api/drafts", tags=["drafts"])


@router.get("", response_model=list[DraftPublic], responses=errors())
def list_drafts(session: SessionDep, viewer: ViewerDep, kind: DraftKind | None = None,
                status: DraftStatus | None = None, subject_id: RowIdQuery = None) -> list[DraftPublic]:
    rows = visible_drafts(session, viewer, kind=kind, status=status, subject_id=subject_id)
    return [draft_public(session, viewer, d) for d in rows]


@router.get("/{draft_id}", response_model=DraftPublic, responses=errors(404))
def get_draft(draft_id: RowId, session: SessionDep, viewer: ViewerDep) -> DraftPublic:
    return draft_public(session, viewer, get_visible_draft(session, viewer, draft_id))


def _transition(draft_id: RowId, status: DraftStatus, session, viewer) -> DraftPublic:  # noqa: ANN001
    draft = set_status(session, viewer, draft_id, status)
    session.commit()
    return draft_public(session, viewer, draft)


@router.post("/{draft_id}/accept", response_model=DraftPublic, responses=errors(403, 404, 409))
def accept(draft_id: RowId, session: WriteSessionDep, viewer: ViewerDep) -> DraftPublic:
    """Accept your draft as written (only whoever asked for it); accepting it again is a 409."""
    return _transition(draft_id, DraftStatus.accepted, session, viewer)


@router.post("/{draft_id}/discard", response_model=DraftPublic, responses=errors(403, 404))
def discard(draft_id: RowId, session: WriteSessionDep, viewer: ViewerDep) -> DraftPublic:
    """Discard your draft (a founder may discard any they may read)."""
    return _transition(draft_id, DraftStatus.discarded, session, viewer)


@router.put("/{draft_id}", response_model=DraftPublic, responses=errors(403, 404, 413, 422))
def edit(draft_id: RowId, body: DraftEdit, session: WriteSessionDep, viewer: ViewerDep) -> DraftPublic:
    """Replace your draft's output with your edit (status becomes ``edited``). The edit must fit
    the kind's schema and 64 KB; claims the data cannot support are listed in
    ``meta.grounding.unverified``."""
    draft = edit_draft(session, viewer, draft_id, body.content)
    session.commit()
    return draft_public(session, viewer, draft)
