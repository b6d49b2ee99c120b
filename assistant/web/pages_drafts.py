"""Drafts: the history (filterable), one draft with its sources and charts, accept/edit/discard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from assistant.api.deps import RowId
from assistant.core.db import begin_write, get_engine, get_session
from assistant.domain.calendar import check_week, current_week, weeks_back
from assistant.domain.drafts import draft_people, get_visible_draft, set_status, visible_drafts
from assistant.domain.models import Access, Draft, DraftKind, DraftStatus, Person
from assistant.domain.sources import cited
from assistant.domain.team import visible_people
from assistant.drafting.edits import edit_draft
from assistant.drafting.markdown import KIND_TITLES, draft_title, reader_markdown, viewer_content
from assistant.drafting.reader import kpi_names, source_labels
from assistant.web.bridge import run_draft
from assistant.web.draftview import apply_edit, grounding_notes, sections, string_lists
from assistant.web.errors import Retry
from assistant.web.pages_meetings import brief_agenda
from assistant.web.pages_people import require_lead
from assistant.web.render import page
from assistant.web.security import FormFields, check_csrf
from assistant.web.signin import WebViewer
from assistant.web.views import brief_charts

router = APIRouter()
SessionDep = Depends(get_session)
CSRF = [Depends(check_csrf)]


@router.get("/drafts")
def drafts_list(request: Request, viewer: WebViewer, session: Session = SessionDep, kind: str = "",
                status: str = "", person: str = "") -> Response:
    kind = kind if kind in {k.value for k in DraftKind} else ""
    status = status if status in {s.value for s in DraftStatus} else ""
    subject_id = int(person) if person.isdigit() else None
    rows = visible_drafts(session, viewer, kind=kind or None, status=status or None, subject_id=subject_id)
    people = visible_people(session, viewer)
    subjects = sorted({d.subject_id for d in visible_drafts(session, viewer, limit=1000)})
    return page(request, "drafts.html", {
        "rows": rows, "people": people, "kinds": [k.value for k in DraftKind],
        "statuses": [s.value for s in DraftStatus],
        "filters": {"kind": kind, "status": status, "person": subject_id}, "subjects": subjects,
        "kind_titles": KIND_TITLES, "weeks": brief_weeks(),
        "briefable": [] if viewer.access == Access.member else
        sorted((p for p in people.values() if p.id != viewer.id), key=lambda p: p.name)})


@router.get("/drafts/{draft_id}")
def draft_page(request: Request, draft_id: RowId, viewer: WebViewer, session: Session = SessionDep,
               edit: int = 0) -> Response:
    draft = get_visible_draft(session, viewer, draft_id)
    subject, requester = draft_people(session, viewer, draft)
    content = viewer_content(session, viewer, draft)
    title = draft_title(draft, subject)
    mine = draft.requested_by_id == viewer.id
    editing = bool(edit) and mine and draft.status != DraftStatus.discarded
    unverified = {u.get("where") for u in (content.get("grounding") or {}).get("unverified") or []
                  if isinstance(u, dict)}
    labels = source_labels(session, viewer, cited(content))
    return page(request, "draft.html", {
        "draft": draft, "subject": subject, "title": title, "content": content, "sections": sections(content),
        "lists": string_lists(content), "charts": brief_charts(session, viewer, draft), "editing": editing,
        "markdown": reader_markdown(session, viewer, draft, labels), "requester": requester, "mine": mine,
        "may_discard": mine or viewer.access == "founder", "unverified": unverified, "labels": labels,
        "kpi_names": kpi_names(session, viewer), "weeks": _weeks(draft), "grounding_notes": grounding_notes(content),
        "superseded_by": draft.meta.get("superseded_by"), "agenda": brief_agenda(session, viewer, draft)})


def brief_weeks() -> list[str]:
    """The weeks a brief is offered for: this week and the eleven before it, newest first."""
    return weeks_back(current_week(), 12)[::-1]


def _weeks(draft: Draft) -> list[str]:
    """A brief's page offers the same weeks, and the brief's own when it is older."""
    if draft.kind != "brief":
        return []
    weeks = brief_weeks()
    return weeks + [draft.period] if draft.period and draft.period not in weeks else weeks


@router.post("/drafts/brief", dependencies=CSRF)
def prepare_brief_for_week(request: Request, viewer: WebViewer, person: Annotated[int, Form(ge=1, le=2**31 - 1)],
                           week: Annotated[str, Form(max_length=10)]) -> Response:
    """Prepare a 1:1 brief on ``person`` for the ISO ``week`` chosen (the week picker)."""
    require_lead(viewer)
    week = check_week(week.strip())
    return run_draft(request, viewer, person, "brief", week,
                     Retry("/drafts/brief", "Try the brief again", {"person": str(person), "week": week}),
                     what="The brief", then=lambda draft: f"/drafts/{draft.id}")


@router.get("/drafts/{draft_id}/markdown")
def draft_markdown(draft_id: RowId, viewer: WebViewer, session: Session = SessionDep) -> Response:
    draft = get_visible_draft(session, viewer, draft_id)
    return PlainTextResponse(reader_markdown(session, viewer, draft), media_type="text/markdown; charset=utf-8")


def _transition(viewer: Person, draft_id: RowId, status: DraftStatus, form: dict | None = None) -> Response:
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        if form is not None:
            edit_draft(session, viewer, draft_id, apply_edit(get_visible_draft(session, viewer, draft_id).output, form))
        else:
            set_status(session, viewer, draft_id, status)
        session.commit()
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


@router.post("/drafts/{draft_id}/accept", dependencies=CSRF)
def accept(draft_id: RowId, viewer: WebViewer) -> Response:
    return _transition(viewer, draft_id, DraftStatus.accepted)


@router.post("/drafts/{draft_id}/discard", dependencies=CSRF)
def discard(draft_id: RowId, viewer: WebViewer) -> Response:
    return _transition(viewer, draft_id, DraftStatus.discarded)


@router.post("/drafts/{draft_id}/edit", dependencies=CSRF)
def edit(draft_id: RowId, viewer: WebViewer, form: FormFields) -> Response:
    return _transition(viewer, draft_id, DraftStatus.edited, {k: v for k, v in form.items() if k != "csrf"})
