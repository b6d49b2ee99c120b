"""Stored drafts: read, accept, edit, discard. Drafting itself lives in assistant/drafting/."""

from __future__ import annotations

from sqlmodel import Session, col, select

from assistant.domain.models import Draft, DraftStatus, Person, utcnow
from assistant.domain.team import can_see, visible_person_ids
from assistant.errors import Forbidden, NotFound


def get_visible_draft(session: Session, viewer: Person, draft_id: int) -> Draft:
    """A draft is visible to whoever asked for it and to anyone who may see its subject
    and has more than member access (a brief on a member is for their managers)."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("draft not found")
    if draft.requested_by_id == viewer.id:
        return draft
    if not can_see(session, viewer, draft.subject_id):
        raise NotFound("draft not found")
    if viewer.id == draft.subject_id and draft.kind != "feedback":
        raise NotFound("draft not found")  # a brief about you is your manager's notes
    return draft


def visible_drafts(session: Session, viewer: Person, *, kind: str | None = None,
                   status: str | None = None, subject_id: int | None = None, limit: int = 100) -> list[Draft]:
    q = select(Draft).where(col(Draft.subject_id).in_(visible_person_ids(session, viewer)))
    if viewer.access == "member":
        q = q.where(Draft.kind == "feedback")
    if kind:
        q = q.where(Draft.kind == kind)
    if status:
        q = q.where(Draft.status == status)
    if subject_id is not None:
        q = q.where(Draft.subject_id == subject_id)
    rows = session.exec(q.order_by(col(Draft.created_at).desc()).limit(limit)).all()
    return [d for d in rows if d.kind == "feedback" or d.subject_id != viewer.id or d.requested_by_id == viewer.id]


def latest_visible_draft(session: Session, viewer: Person, *, kind: str, subject_id: int,
                         period: str) -> Draft | None:
    """The newest draft of ``kind`` on the subject for ``period`` that is not discarded, if the
    viewer may see it (the draft a page shows beside the record it was written from)."""
    q = (select(Draft).where(Draft.kind == kind, Draft.subject_id == subject_id, Draft.period == period,
                             Draft.status != DraftStatus.discarded.value)
         .order_by(col(Draft.created_at).desc()))
    draft = session.exec(q).first()
    if draft is None:
        return None
    try:
        return get_visible_draft(session, viewer, draft.id)
    except NotFound:
        return None


def draft_people(session: Session, draft: Draft) -> tuple[Person | None, Person | None]:
    """The subject and the requester of a draft the caller has already read through
    ``get_visible_draft`` (None for someone deleted since)."""
    return session.get(Person, draft.subject_id), session.get(Person, draft.requested_by_id)


def set_status(session: Session, viewer: Person, draft_id: int, status: DraftStatus,
               content: dict | None = None) -> Draft:
    """Move a draft to ``status``; ``content`` (the flat shape ``Draft.content`` shows) is an edit.

    An edit replaces the model's output only: the facts the drafter computed and the metadata
    it recorded are not the reader's to change, so their keys in ``content`` are ignored.
    """
    draft = get_visible_draft(session, viewer, draft_id)
    if draft.status == DraftStatus.discarded and status != DraftStatus.discarded:
        raise Forbidden("a discarded draft cannot be accepted or edited; request a new one")
    if content is not None:
        draft.output = {k: v for k, v in content.items() if k not in draft.facts and k not in draft.meta}
    draft.status = status.value
    draft.updated_at = utcnow()
    session.add(draft)
    return draft
