"""Quarter planning: objectives, each person's goals, goal suggestions to accept or edit into goals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from sqlmodel import Session, col, select
from starlette.responses import RedirectResponse, Response

from assistant.api.deps import RowId
from assistant.core.db import begin_write, get_engine, get_session
from assistant.domain.calendar import QUARTER
from assistant.domain.goals import create_goal, update_goal, visible_goals
from assistant.domain.kpis import visible_kpis
from assistant.domain.models import Access, Draft, Kpi, Objective, Person, Quarter
from assistant.domain.schemas import GoalCreate, GoalUpdate
from assistant.domain.team import is_manager_of, visible_person, visible_person_ids
from assistant.errors import InvalidInput, NotFound
from assistant.kpi_audit.stored import current_quarter
from assistant.web.bridge import run_draft
from assistant.web.errors import Retry
from assistant.web.pages_people import require_lead
from assistant.web.render import page
from assistant.web.security import check_csrf
from assistant.web.signin import WebViewer

router = APIRouter()
CSRF = [Depends(check_csrf)]


def suggestions(draft: Draft | None) -> list[dict]:
    """Goal suggestions of a goals draft: the model's ``goals``, each a dict with at least a title."""
    raw = (draft.output.get("goals") or []) if draft is not None else []
    return [s for s in raw if isinstance(s, dict) and s.get("title")]


def _plannable(session: Session, viewer: Person) -> list[Person]:
    ids = visible_person_ids(session, viewer)
    people = [p for p in session.exec(select(Person).where(col(Person.id).in_(ids))).all()
              if viewer.access == Access.founder or is_manager_of(session, viewer, p.id)]
    return sorted(people, key=lambda p: (p.access != Access.manager, p.name))


@router.get("/plan")
def plan(request: Request, viewer: WebViewer, session: Session = Depends(get_session), q: str = "",
         notice: str = "") -> Response:
    require_lead(viewer)
    quarters = sorted(session.exec(select(Quarter.id)).all(), reverse=True)
    quarter = q if QUARTER.match(q or "") else (current_quarter(session) or "")
    objectives = session.exec(select(Objective).where(Objective.quarter_id == quarter)).all()
    people = []
    for person in _plannable(session, viewer):
        latest = session.exec(select(Draft).where(Draft.kind == "goals", Draft.subject_id == person.id,
                                                  Draft.period == quarter, Draft.status != "discarded")
                              .order_by(col(Draft.created_at).desc())).first()
        people.append({"person": person, "goals": visible_goals(session, viewer, person_id=person.id, quarter=quarter),
                       "kpis": visible_kpis(session, viewer, owner_id=person.id), "draft": latest,
                       "suggestions": suggestions(latest)})
    kpi_keys = {k.id: k.key for k in session.exec(select(Kpi)).all()}
    return page(request, "plan.html", {"quarter": quarter, "quarters": quarters, "objectives": objectives,
                                       "people": people, "kpi_keys": kpi_keys, "notice": notice[:200] or None})


@router.post("/plan/suggest/{person_id}", dependencies=CSRF)
def suggest(request: Request, person_id: RowId, viewer: WebViewer,
            quarter: Annotated[str, Form(pattern=QUARTER.pattern)]) -> Response:
    require_lead(viewer)
    return run_draft(request, viewer, person_id, "goals", quarter,
                     Retry(f"/plan/suggest/{person_id}", "Try the suggestions again", {"quarter": quarter}),
                     what="The goal suggestions", then=lambda _draft: f"/plan?q={quarter}#person-{person_id}")


def _blank(v: str | None) -> str | None:
    return v.strip() or None if v is not None else None


@router.post("/plan/goals", dependencies=CSRF)
def add_goal(viewer: WebViewer, person_id: Annotated[int, Form()], quarter: Annotated[str, Form()],
             title: Annotated[str, Form(max_length=300)], kpi: Annotated[str, Form(max_length=64)] = "",
             target: Annotated[str, Form(max_length=40)] = "", objective: Annotated[str, Form(max_length=64)] = "",
             draft_id: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Store a goal: a suggestion accepted as is, or as the manager edited it in the form."""
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        person = visible_person(session, viewer, person_id)
        try:
            # The suggestion form edits the title in a textarea; a goal title is still one line.
            body = GoalCreate(person=person.email, quarter=quarter, title=" ".join(title.split()), kpi=_blank(kpi),
                              target=float(target) if _blank(target) else None, objective=_blank(objective))
        except (ValidationError, ValueError) as exc:
            raise InvalidInput(f"goal: {exc}") from None
        create_goal(session, viewer, body)
        session.commit()
    return RedirectResponse(f"/plan?q={quarter}&notice=Goal+saved#person-{person_id}", status_code=303)


@router.post("/plan/goals/{goal_id}", dependencies=CSRF)
def edit_goal(viewer: WebViewer, goal_id: RowId, title: Annotated[str, Form(max_length=300)],
              target: Annotated[str, Form(max_length=40)] = "",
              status: Annotated[str, Form(max_length=20)] = "active") -> Response:
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        try:
            body = GoalUpdate(title=title, target=float(target) if _blank(target) else None, status=status)
        except (ValidationError, ValueError) as exc:
            raise InvalidInput(f"goal: {exc}") from None
        goal = update_goal(session, viewer, goal_id, body)
        if goal is None:
            raise NotFound("goal not found")
        quarter, person_id = goal.quarter_id, goal.person_id
        session.commit()
    return RedirectResponse(f"/plan?q={quarter}&notice=Goal+updated#person-{person_id}", status_code=303)
