"""Team, a person's record, and the pages a draft's sources link to (check-in, KPI, 1:1, playbook)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session, select
from starlette.responses import RedirectResponse, Response

from assistant.api.deps import RowId
from assistant.core.db import get_session
from assistant.domain.checkins import get_visible_checkin, list_visible_checkins
from assistant.domain.kpis import get_visible_kpi, visible_kpis
from assistant.domain.meetings import visible_meetings
from assistant.domain.models import Access, Person
from assistant.domain.team import visible_person
from assistant.errors import Forbidden, NotFound
from assistant.kpi_audit.present import counts, flag_views
from assistant.kpi_audit.rules import VERDICTS
from assistant.web.bridge import audit_visible, run_draft
from assistant.web.errors import Retry
from assistant.web.render import page
from assistant.web.security import check_csrf
from assistant.web.signin import WebViewer
from assistant.web.views import current_week, guardrail_chart, guardrail_of, kpi_chart, kpi_status, team_rows

router = APIRouter()
SessionDep = Depends(get_session)


def require_lead(viewer: Person) -> None:
    if viewer.access == Access.member:
        raise Forbidden("the team page is for managers and founders")


@router.get("/team")
def team(request: Request, viewer: WebViewer, session: Session = SessionDep) -> Response:
    require_lead(viewer)
    return page(request, "team.html", {"rows": team_rows(session, viewer), "week": current_week()})


@router.post("/people/{person_id}/brief", dependencies=[Depends(check_csrf)])
def prepare_brief(request: Request, person_id: RowId, viewer: WebViewer) -> Response:
    require_lead(viewer)
    # No week: the drafter picks the subject's latest week with data.
    return run_draft(request, viewer, person_id, "brief", None,
                     Retry(f"/people/{person_id}/brief", "Try the brief again"),
                     what="The brief", then=lambda draft: f"/drafts/{draft.id}")


@router.get("/people/{person_id}")
def person_page(request: Request, person_id: RowId, viewer: WebViewer, session: Session = SessionDep) -> Response:
    person = visible_person(session, viewer, person_id)
    statuses = [kpi_status(session, k) for k in visible_kpis(session, viewer, owner_id=person.id)]
    meetings = [m for m in visible_meetings(session, viewer, person_id=person.id) if m.report_id == person.id]
    return page(request, "person.html", {
        "person": person, "kpis": statuses,
        "charts": {s.kpi.key: kpi_chart(s) for s in statuses},
        "checkins": list_visible_checkins(session, viewer, person_id=person.id, limit=26),
        "meetings": meetings, "is_lead": viewer.access != Access.member and viewer.id != person.id,
    })


@router.get("/checkins/{checkin_id}")
def checkin_page(request: Request, checkin_id: RowId, viewer: WebViewer, session: Session = SessionDep) -> Response:
    checkin = get_visible_checkin(session, viewer, checkin_id)
    kpis = {k.key: k for k in visible_kpis(session, viewer, owner_id=checkin.person_id)}
    return page(request, "checkin.html", {"checkin": checkin, "person": session.get(Person, checkin.person_id),
                                          "kpis": kpis})


@router.get("/kpis/{key}")
def kpi_page(request: Request, key: str, viewer: WebViewer, session: Session = SessionDep) -> Response:
    kpi = get_visible_kpi(session, viewer, key)
    status = kpi_status(session, kpi)
    guard = guardrail_of(session, kpi)
    charts = [kpi_chart(status)] + ([guardrail_chart(session, guard)] if guard is not None else [])
    owner = session.get(Person, kpi.owner_id) if kpi.owner_id else None
    return page(request, "kpi.html", {"kpi": kpi, "status": status, "guard": guard, "charts": charts,
                                      "owner": owner})


@router.get("/meetings/{meeting_id}")
def meeting_page(meeting_id: RowId, viewer: WebViewer, session: Session = SessionDep) -> Response:
    meeting = next((m for m in visible_meetings(session, viewer) if m.id == meeting_id), None)
    if meeting is None:
        raise NotFound("1:1 not found")
    return RedirectResponse(f"/people/{meeting.report_id}#meeting-{meeting.id}", status_code=303)


@router.get("/playbook/{section_id}")
def playbook_page(request: Request, section_id: str, viewer: WebViewer) -> Response:
    try:
        from assistant.retrieval.playbook import load_sections
    except ImportError as exc:
        raise NotFound("the playbook is not available in this build") from exc
    section = next((s for s in load_sections() if s.id == section_id), None)
    if section is None:
        raise NotFound("playbook section not found")
    return page(request, "playbook.html", {"section": section})


@router.get("/audit")
def audit_page(request: Request, viewer: WebViewer, session: Session = SessionDep,
               verdict: str | None = None) -> Response:
    rows = sorted(audit_visible(session, viewer), key=lambda r: (VERDICTS.index(r[0].verdict), r[0].id))
    wanted = verdict if verdict in VERDICTS else None
    shown = [(a, kpi, flag_views(a)) for a, kpi in rows if wanted in (None, a.verdict)]
    owners = {p.id: p for p in session.exec(select(Person)).all()}
    return page(request, "audit.html", {"rows": shown, "counts": counts([a for a, _ in rows]), "total": len(rows),
                                        "verdict": wanted, "owners": owners})
