"""Stored drafts: who may read them, who may change them, reuse and supersession.

Drafting itself lives in assistant/drafting/ (an edit's schema and grounding checks too).

- Reading: a draft is visible while the viewer may see its subject (a report who moves to
  another manager takes their drafts along, whoever asked for them), never a brief or goals
  draft about yourself that someone else asked for, and only when the viewer may see every
  KPI the draft rests on (a founder's brief citing another team's guardrail is not that
  manager's to read). The requester's identity is shown only to viewers who may see them.
- Changing: only the requester accepts, edits or discards; a founder may also discard any.
- Re-preparing: the requester's latest unedited draft of the same kind, subject and period is
  reused while its inputs are unchanged; otherwise the new draft supersedes the older ones.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from assistant.domain.kpis import visible_kpi_keys
from assistant.domain.models import DRAFT_META_INPUTS, Draft, DraftStatus, Kpi, Person, flat_content, utcnow
from assistant.domain.schemas import DraftPublic
from assistant.domain.sources import parse_source
from assistant.domain.team import can_see, person_scope
from assistant.errors import Conflict, Forbidden, NotFound

REUSABLE = (DraftStatus.draft.value, DraftStatus.accepted.value)
"""Statuses of a draft that is still what the drafter wrote (an edited one is the person's words)."""


def rests_on(draft: Draft) -> set[str]:
    """Keys of the KPIs a draft's facts drew on: recorded when it was drafted, plus any KPI
    its sources or flags name (drafts stored before the record was kept)."""
    keys = set((draft.meta.get(DRAFT_META_INPUTS) or {}).get("kpis") or [])
    keys |= {k for s in draft.sources if isinstance(s, str) and (k := parse_source(s).kpi_key)}
    keys |= {f["kpi"] for f in draft.facts.get("flags") or [] if isinstance(f, dict) and isinstance(f.get("kpi"), str)}
    return keys


def _hidden_kpis(session: Session, viewer: Person, keys: set[str]) -> set[str]:
    """Those of ``keys`` that name an existing KPI the viewer may not see."""
    if not keys:
        return set()
    existing = set(session.exec(select(Kpi.key).where(col(Kpi.key).in_(keys))).all())
    return existing - visible_kpi_keys(session, viewer, existing)


def _readable(session: Session, viewer: Person, draft: Draft, hidden_kpis: set[str]) -> bool:
    if not can_see(session, viewer, draft.subject_id):
        return False
    if viewer.id == draft.subject_id and draft.kind != "feedback" and draft.requested_by_id != viewer.id:
        return False  # a brief about you is your manager's notes
    return not (rests_on(draft) & hidden_kpis)


def get_visible_draft(session: Session, viewer: Person, draft_id: int) -> Draft:
    """The draft if the viewer may read it (the rules above); otherwise NotFound."""
    draft = session.get(Draft, draft_id)
    if draft is None or not _readable(session, viewer, draft, _hidden_kpis(session, viewer, rests_on(draft))):
        raise NotFound("draft not found")
    return draft


def visible_drafts(session: Session, viewer: Person, *, kind: str | None = None,
                   status: str | None = None, subject_id: int | None = None, limit: int = 100) -> list[Draft]:
    q = select(Draft)
    if (scope := person_scope(session, viewer, Draft.subject_id)) is not None:
        q = q.where(scope)
    if viewer.access == "member":
        q = q.where(Draft.kind == "feedback")
    if kind:
        q = q.where(Draft.kind == kind)
    if status:
        q = q.where(Draft.status == status)
    if subject_id is not None:
        q = q.where(Draft.subject_id == subject_id)
    rows = session.exec(q.order_by(col(Draft.created_at).desc()).limit(limit)).all()
    hidden = _hidden_kpis(session, viewer, set().union(*(rests_on(d) for d in rows))) if rows else set()
    return [d for d in rows if _readable(session, viewer, d, hidden)]


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


def draft_people(session: Session, viewer: Person, draft: Draft) -> tuple[Person | None, Person | None]:
    """The subject and the requester of a draft the viewer has read through ``get_visible_draft``;
    the requester is None when the viewer may not see them (or either was deleted since)."""
    requester = session.get(Person, draft.requested_by_id) if can_see(session, viewer, draft.requested_by_id) else None
    return session.get(Person, draft.subject_id), requester


def public_meta(session: Session, viewer: Person, draft: Draft) -> dict[str, Any]:
    """The metadata the viewer may read: without the inputs record, and without the
    requester's email unless the viewer may see the requester."""
    meta = {k: v for k, v in draft.meta.items() if k != DRAFT_META_INPUTS}
    if not can_see(session, viewer, draft.requested_by_id):
        meta.pop("viewer", None)
    return meta


def draft_public(session: Session, viewer: Person, draft: Draft) -> DraftPublic:
    """A draft as the viewer may read it (API and CLI): the requester only if visible to them."""
    meta = public_meta(session, viewer, draft)
    requester_visible = can_see(session, viewer, draft.requested_by_id)
    return DraftPublic(
        id=draft.id, kind=draft.kind, subject_id=draft.subject_id,
        requested_by_id=draft.requested_by_id if requester_visible else None,
        period=draft.period, provider=draft.provider, model=draft.model,
        content=flat_content(draft.output, draft.facts, meta), output=draft.output, facts=draft.facts, meta=meta,
        sources=draft.sources, usage=draft.usage, status=draft.status, created_at=draft.created_at,
        updated_at=draft.updated_at,
    )


def changeable_draft(session: Session, viewer: Person, draft_id: int, status: DraftStatus) -> Draft:
    """The draft, if the viewer may move it to ``status``: only its requester changes a draft
    (a founder may also discard one), a discarded draft stays discarded, and accepting an
    accepted draft is a Conflict (a second click or a retried request must not pass unnoticed)."""
    draft = get_visible_draft(session, viewer, draft_id)
    founder_discard = status == DraftStatus.discarded and viewer.access == "founder"
    if draft.requested_by_id != viewer.id and not founder_discard:
        raise Forbidden("only the person who asked for this draft may accept, edit or discard it")
    if draft.status == DraftStatus.discarded and status != DraftStatus.discarded:
        raise Forbidden("a discarded draft cannot be accepted or edited; request a new one")
    if draft.status == DraftStatus.accepted and status == DraftStatus.accepted:
        raise Conflict(f"draft {draft.id} is already accepted")
    return draft


def set_status(session: Session, viewer: Person, draft_id: int, status: DraftStatus,
               content: dict | None = None, *, unverified: list[dict[str, Any]] | None = None) -> Draft:
    """Move a draft to ``status`` (``changeable_draft`` decides who may); ``content`` (the flat
    shape ``Draft.content`` shows, or the output alone) replaces the model's output.
    ``unverified``: the edited claims the grounding guard could not trace (``drafting.edits``
    checks an edit before it comes here). The caller commits.

    The facts the drafter computed and the metadata it recorded are not the reader's to
    change, so their keys in ``content`` are ignored.
    """
    draft = changeable_draft(session, viewer, draft_id, status)
    if content is not None:
        draft.output = {k: v for k, v in content.items() if k not in draft.facts and k not in draft.meta}
    if unverified is not None:
        grounding = {k: v for k, v in (draft.meta.get("grounding") or {}).items() if k != "unverified"}
        draft.meta = {**draft.meta, "grounding": {**grounding, **({"unverified": unverified} if unverified else {})}}
    draft.status = status.value
    draft.updated_at = utcnow()
    session.add(draft)
    return draft


def reusable_draft(session: Session, viewer: Person, *, kind: str, subject_id: int, period: str | None,
                   fingerprint: str) -> Draft | None:
    """The viewer's latest draft of ``kind`` on the subject for ``period``, when it is unedited
    and was drafted from inputs with this fingerprint; else None (draft anew)."""
    latest = session.exec(
        select(Draft).where(Draft.kind == kind, Draft.subject_id == subject_id, Draft.period == period,
                            Draft.requested_by_id == viewer.id, Draft.status != DraftStatus.discarded.value)
        .order_by(col(Draft.created_at).desc(), col(Draft.id).desc())
    ).first()
    if latest is None or latest.status not in REUSABLE or latest.meta.get("superseded_by"):
        return None
    return latest if (latest.meta.get(DRAFT_META_INPUTS) or {}).get("fingerprint") == fingerprint else None


def store_superseding(session: Session, draft: Draft) -> Draft:
    """Add ``draft`` and mark the requester's earlier live drafts of the same kind, subject
    and period as superseded by it (caller holds the write transaction and commits)."""
    session.add(draft)
    session.flush()
    older = session.exec(
        select(Draft).where(Draft.kind == draft.kind, Draft.subject_id == draft.subject_id,
                            Draft.period == draft.period, Draft.requested_by_id == draft.requested_by_id,
                            Draft.id != draft.id, Draft.status != DraftStatus.discarded.value)
    ).all()
    for row in older:
        if not row.meta.get("superseded_by"):
            row.meta = {**row.meta, "superseded_by": draft.id}  # a new dict: JSON columns track assignment
            session.add(row)
    return draft
