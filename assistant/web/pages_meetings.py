"""The 1:1 page (agenda, shared and private notes, action items, status) and the forms that
write to a 1:1 from elsewhere: scheduling from a person's page, agenda items from My week and
from a brief. Who may read and write what is decided in domain/meetings.py alone."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from assistant.api.deps import RowId
from assistant.core.db import begin_write, get_engine, get_session
from assistant.domain.calendar import today
from assistant.domain.meetings import (
    action_views,
    actions_of,
    add_action,
    add_agenda_item,
    agenda_of,
    coming_meeting,
    get_visible_meeting,
    names_for,
    open_actions_owned,
    own_private_note,
    part_in,
    participant,
    record_meeting,
    set_action_done,
    update_meeting,
)
from assistant.domain.models import TEXT_MAX, Draft, MeetingStatus, Person
from assistant.domain.schemas import AGENDA_MAX, ActionItemCreate, AgendaItemCreate, MeetingCreate, MeetingUpdate
from assistant.domain.team import is_manager_of, visible_person
from assistant.errors import Conflict, InvalidInput
from assistant.web.render import page
from assistant.web.security import FormFields, check_csrf
from assistant.web.signin import WebViewer

router = APIRouter()
SessionDep = Depends(get_session)
CSRF = [Depends(check_csrf)]
RECORD_TITLES = ("What was agreed last time", "On their agenda")
"""A brief's sections that come from the 1:1 record itself: nothing there to add to the agenda."""
NOTICES = {"saved": "Saved.", "scheduled": "The next 1:1 is scheduled.", "added": "Added."}
STATUS_PILLS = {"scheduled": "pill-muted", "held": "pill-good", "cancelled": "pill-bad", "rushed": "pill-warn"}
# Where a form elsewhere may send the browser back to: the pages that hold such forms.
_BACK = re.compile(r"/(week|drafts/\d+|meetings/\d+|people/\d+)(\?[\w=&-]*)?(#[\w-]+)?")


def default_next_date(after: date | None = None) -> str:
    """The date a schedule form suggests: a week after ``after`` (or today), and never before today."""
    on = today()
    return (max(after or on, on) + timedelta(days=7)).isoformat()


def _back(data: dict[str, str], default: str) -> str:
    target = data.get("back", "")
    return target if _BACK.fullmatch(target) else default


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}" for e in exc.errors())


def meeting_view(session: Session, viewer: Person, meeting_id: int) -> dict[str, Any]:
    """What the 1:1 page shows the viewer (NotFound when they may not see the 1:1)."""
    meeting = get_visible_meeting(session, viewer, meeting_id)
    on = today()
    agenda = agenda_of(session, [meeting.id])
    names = names_for(session, viewer, {meeting.manager_id, meeting.report_id} | {a.author_id for a in agenda},
                      [meeting])
    actions = action_views(session, viewer, {meeting.id: meeting}, actions_of(session, [meeting.id]), on)
    you = part_in(meeting, viewer)
    return {
        "meeting": meeting, "you": you, "names": names, "agenda": agenda,
        "open_actions": [a for a in actions if not a.item.done], "done_actions": [a for a in actions if a.item.done],
        "private_note": own_private_note(session, viewer, meeting), "may_manage": viewer.id == meeting.manager_id,
        "statuses": [s.value for s in MeetingStatus], "pills": STATUS_PILLS, "agenda_max": AGENDA_MAX,
        "text_max": TEXT_MAX,
        "next_date": default_next_date(meeting.date),
    }


def _render(request: Request, session: Session, viewer: Person, meeting_id: int, *, error: str | None = None,
            form: dict[str, str] | None = None, notice: str | None = None, status: int = 200) -> Response:
    view = meeting_view(session, viewer, meeting_id)
    return page(request, "meeting.html", {**view, "error": error, "form": form or {}, "notice": notice},
                status_code=status)


@router.get("/meetings/{meeting_id}")
def meeting_page(request: Request, meeting_id: RowId, viewer: WebViewer, session: Session = SessionDep,
                 notice: str | None = None) -> Response:
    return _render(request, session, viewer, meeting_id, notice=NOTICES.get(notice or ""))


def _write(request: Request, viewer: Person, meeting_id: int, data: dict[str, str], act, *,  # noqa: ANN001
           then: str) -> Response:
    """Run ``act(session)`` in a write transaction; a refused input shows the 1:1 page again with
    the message and what was typed, a refused permission the error page."""
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        try:
            act(session)
        except ValidationError as exc:
            session.rollback()
            return _render(request, session, viewer, meeting_id, error=_problems(exc), form=data, status=422)
        except (InvalidInput, Conflict) as exc:
            session.rollback()
            return _render(request, session, viewer, meeting_id, error=exc.message, form=data,
                           status=exc.status_code)
        session.commit()
    return RedirectResponse(then, status_code=303)


@router.post("/meetings/{meeting_id}", dependencies=CSRF)
def save_meeting(request: Request, meeting_id: RowId, viewer: WebViewer, data: FormFields) -> Response:
    """The notes form (shared + private) or the manager's status form, whichever was posted."""
    fields: dict[str, Any] = {}
    if data.get("form") == "status":
        fields = {"status": data.get("status") or None, "date": data.get("date") or None,
                  "minutes": data.get("minutes") or None}
    elif data.get("form") == "notes":
        fields = {"notes": data.get("notes", "")}
        if "private_notes" in data:
            fields["private_notes"] = data["private_notes"]
    return _write(request, viewer, meeting_id, data,
                  lambda s: update_meeting(s, viewer, meeting_id, MeetingUpdate.model_validate(fields)),
                  then=f"/meetings/{meeting_id}?notice=saved")


@router.post("/meetings/{meeting_id}/agenda", dependencies=CSRF)
def post_agenda(request: Request, meeting_id: RowId, viewer: WebViewer, data: FormFields) -> Response:
    text = data.get("text", "")
    return _write(request, viewer, meeting_id, data,
                  lambda s: add_agenda_item(s, viewer, meeting_id, AgendaItemCreate(text=text)),
                  then=_back(data, f"/meetings/{meeting_id}?notice=added#agenda"))


@router.post("/meetings/{meeting_id}/actions", dependencies=CSRF)
def post_action(request: Request, meeting_id: RowId, viewer: WebViewer, data: FormFields) -> Response:
    def act(session: Session) -> None:
        meeting = get_visible_meeting(session, viewer, meeting_id)
        owner = participant(session, meeting, "report" if data.get("owner") == "report" else "manager")
        body = ActionItemCreate(text=data.get("text", ""), owner=owner.email if owner else "",
                                due=data.get("due") or None)
        add_action(session, viewer, meeting_id, body)

    return _write(request, viewer, meeting_id, data, act, then=f"/meetings/{meeting_id}?notice=added#actions")


@router.post("/actions/{action_id}", dependencies=CSRF)
def tick_action(action_id: RowId, viewer: WebViewer, data: FormFields) -> Response:
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        row = set_action_done(session, viewer, action_id, data.get("done") == "1")
        session.commit()
    return RedirectResponse(_back(data, f"/meetings/{row.meeting_id}#actions"), status_code=303)


@router.post("/people/{person_id}/meetings", dependencies=CSRF)
def schedule(request: Request, person_id: RowId, viewer: WebViewer, data: FormFields) -> Response:
    """Schedule (or record) a 1:1 with a report; the 1:1 page opens unless the form says where to go."""
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        report = visible_person(session, viewer, person_id)
        try:
            body = MeetingCreate(report=report.email, date=data.get("date") or None,
                                 status=data.get("status") or MeetingStatus.scheduled.value)
            row = record_meeting(session, viewer, body)
        except ValidationError as exc:
            raise InvalidInput(_problems(exc)) from None
        session.commit()
    return RedirectResponse(_back(data, f"/meetings/{row.id}?notice=scheduled"), status_code=303)


# ---------------------------------------------------------------- pieces of other pages
def week_card(session: Session, viewer: Person) -> dict[str, Any]:
    """My week's 1:1 card: the viewer's next 1:1 as the report (its agenda) and their open action items."""
    on = today()
    coming = coming_meeting(session, report_id=viewer.id, on=on)
    agenda = agenda_of(session, [coming.id]) if coming else []
    ids = {a.author_id for a in agenda} | ({coming.manager_id} if coming else set())
    return {"coming": coming, "agenda": agenda, "names": names_for(session, viewer, ids, [coming] if coming else []),
            "actions": open_actions_owned(session, viewer, viewer, on=on), "agenda_max": AGENDA_MAX}


def brief_agenda(session: Session, viewer: Person, draft: Draft) -> dict[str, Any] | None:
    """For a brief the viewer may hold the 1:1 on: their next scheduled 1:1 with its subject
    and the texts already on its agenda (None for any other draft or viewer)."""
    if draft.kind != "brief" or not is_manager_of(session, viewer, draft.subject_id):
        return None
    coming = coming_meeting(session, report_id=draft.subject_id, manager_id=viewer.id, on=today())
    texts = {a.text for a in agenda_of(session, [coming.id])} if coming else set()
    return {"meeting": coming, "texts": texts, "max": AGENDA_MAX, "back": f"/drafts/{draft.id}", "skip": RECORD_TITLES,
            "next_date": default_next_date(), "subject_id": draft.subject_id}
