"""Team, a person's record, and the pages a draft's sources link to (check-in, KPI, 1:1, playbook)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session
from starlette.responses import Response

from assistant.api.deps import RowId
from assistant.assessment import assessment_for
from assistant.assessment.kpis import reading
from assistant.core.db import get_session
from assistant.domain.calendar import check_week, today
from assistant.domain.checkins import get_visible_checkin, list_visible_checkins
from assistant.domain.kpis import get_visible_kpi, period_start, series, visible_kpis
from assistant.domain.meetings import visible_meetings
from assistant.domain.models import Access, Person
from assistant.domain.reports.store import value_sources
from assistant.domain.team import is_manager_of, visible_people, visible_person
from assistant.errors import Forbidden, NotFound
from assistant.kpi_audit.present import counts, flag_views
from assistant.kpi_audit.rules import VERDICTS
from assistant.kpi_audit.stored import audit_visible as audit_of
from assistant.retrieval.playbook import load_sections
from assistant.web.bridge import audit_visible, run_draft
from assistant.web.errors import Retry
from assistant.web.pages_meetings import default_next_date
from assistant.web.render import page
from assistant.web.security import check_csrf
from assistant.web.signin import WebViewer
from assistant.web.team_view import team_groups, weeks_label
from assistant.web.views import guardrail_chart, reading_chart, reading_charts, week_in_force

router = APIRouter()
SessionDep = Depends(get_session)


def require_lead(viewer: Person) -> None:
    if viewer.access == Access.member:
        raise Forbidden("the team page is for managers and founders")


@router.get("/team")
def team(request: Request, viewer: WebViewer, session: Session = SessionDep) -> Response:
    require_lead(viewer)
    return page(request, "team.html", {"groups": team_groups(session, viewer), "week": week_in_force(),
                                       "weeks_label": weeks_label})


@router.post("/people/{person_id}/brief", dependencies=[Depends(check_csrf)])
def prepare_brief(request: Request, person_id: RowId, viewer: WebViewer,
                  week: Annotated[str | None, Form(max_length=10)] = None) -> Response:
    require_lead(viewer)
    # The week asked for, else the week in force: the one the Team and person pages show.
    week = check_week(week.strip()) if week and week.strip() else week_in_force()
    return run_draft(request, viewer, person_id, "brief", week,
                     Retry(f"/people/{person_id}/brief", "Try the brief again"),
                     what="The brief", then=lambda draft: f"/drafts/{draft.id}")


@router.get("/people/{person_id}")
def person_page(request: Request, person_id: RowId, viewer: WebViewer, session: Session = SessionDep) -> Response:
    person = visible_person(session, viewer, person_id)
    week = week_in_force()
    a = assessment_for(session, person, week, viewer=viewer)
    meetings = [m for m in visible_meetings(session, viewer, person_id=person.id) if m.report_id == person.id]
    return page(request, "person.html", {
        "person": person, "week": week, "a": a, "charts": reading_charts(session, viewer, a),
        "mine": viewer.id == person.id, "weeks_label": weeks_label,
        "checkins": list_visible_checkins(session, viewer, person_id=person.id, limit=26),
        "meetings": meetings, "is_lead": viewer.access != Access.member and viewer.id != person.id,
        "may_schedule": is_manager_of(session, viewer, person.id), "next_date": default_next_date(),
    })


@router.get("/checkins/{checkin_id}")
def checkin_page(request: Request, checkin_id: RowId, viewer: WebViewer, session: Session = SessionDep) -> Response:
    checkin = get_visible_checkin(session, viewer, checkin_id)
    kpis = {k.key: k for k in visible_kpis(session, viewer, owner_id=checkin.person_id)}
    return page(request, "checkin.html", {"checkin": checkin, "kpis": kpis,
                                          "person": visible_person(session, viewer, checkin.person_id)})


@router.get("/kpis/{key}")
def kpi_page(request: Request, key: str, viewer: WebViewer, session: Session = SessionDep,
             saved: str = "") -> Response:
    return render_kpi_page(request, session, viewer, key,
                           notice=f"Value saved for the period starting {saved}." if saved else None)


def render_kpi_page(request: Request, session: Session, viewer: Person, key: str, *, entry: dict | None = None,
                    error: str | None = None, notice: str | None = None, status_code: int = 200) -> Response:
    """The KPI page; ``entry`` and ``error`` refill the value form after a refused value."""
    kpi = get_visible_kpi(session, viewer, key)
    owner = visible_person(session, viewer, kpi.owner_id) if kpi.owner_id else None
    week = week_in_force()
    # The owner's assessment: the reading their Team card and brief show. A role's KPI with
    # nobody assigned gets the same reading, audited among every KPI the viewer may see.
    r = assessment_for(session, owner, week, viewer=viewer).kpi(kpi.key) if owner is not None else None
    if r is None:
        r = reading(session, viewer, kpi, week, next((x for x in audit_of(session, viewer) if x.id == kpi.key), None))
    guard = guardrail_chart(session, viewer, r.guardrail, week) if r.guardrail else None
    charts = [{"chart": reading_chart(r), "caption": None}]
    if guard is not None:
        charts.append({"chart": guard, "caption": f"Guardrail of {kpi.name}"})
    # The table is the whole record (a source may cite any stored value); the reading is as of ``week``.
    return page(request, "kpi.html", {"kpi": kpi, "r": r, "week": week, "charts": charts, "owner": owner,
                                      "mine": owner is not None and owner.id == viewer.id,
                                      "values": series(session, kpi.id),
                                      "sources": value_sources(session, kpi.id, kpi.metric), "notice": notice,
                                      "entry": entry or {"period": period_start(kpi, today()).isoformat(), "value": ""},
                                      "entry_error": error}, status_code=status_code)


@router.get("/playbook/{section_id}")
def playbook_page(request: Request, section_id: str, viewer: WebViewer) -> Response:
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
    return page(request, "audit.html", {"rows": shown, "counts": counts([a for a, _ in rows]), "total": len(rows),
                                        "verdict": wanted, "owners": visible_people(session, viewer)})
