"""Quarter planning: objectives, the KPI each serves, each person's goals, suggestions to accept or edit.

It opens on the quarter being planned (``planning_quarter``: next quarter once the current one
is past its midpoint) and lists the current and next quarter even before they have objectives.
Founders write objectives and confirm links; managers read them and plan their reports' goals.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from assistant.api.deps import RowId
from assistant.core.db import begin_write, get_engine, get_session
from assistant.domain.calendar import QuarterId, check_quarter
from assistant.domain.drafts import draft_people, latest_visible_draft
from assistant.domain.goals import create_goal, goal_public, plannable_people, update_goal, visible_goals
from assistant.domain.kpi_links import confirm_link, visible_links
from assistant.domain.kpis import visible_kpis
from assistant.domain.models import Draft, Person
from assistant.domain.quarters import (
    create_objective,
    list_quarters,
    planning_quarter,
    quarter_in_force,
    quarter_objectives,
    update_objective,
)
from assistant.domain.schemas import GoalCreate, GoalUpdate, ObjectiveCreate, ObjectiveUpdate
from assistant.domain.team import visible_person
from assistant.drafting.kinds.goals import accept_suggestion
from assistant.errors import InvalidInput, NotFound
from assistant.web.bridge import run_draft
from assistant.web.errors import Retry
from assistant.web.pages_people import require_lead
from assistant.web.render import page
from assistant.web.security import check_csrf
from assistant.web.signin import WebViewer

router = APIRouter()
CSRF = [Depends(check_csrf)]


def suggestions(draft: Draft | None) -> list[dict]:
    """A goals draft's suggestions, each with the ``index`` that ``accept_suggestion`` takes."""
    if draft is None or not isinstance(draft.content, dict):
        return []
    # The stored arithmetic per KPI: the step-by-step detail behind the one-sentence summary,
    # and whether the objective link was only suggested.
    computed = {c.get("kpi"): c for c in draft.content.get("computed_goals") or [] if isinstance(c, dict)}
    return [{**s, "index": i, "computed": computed.get(s.get("kpi"), {})}
            for i, s in enumerate(draft.content.get("goals") or []) if isinstance(s, dict) and s.get("title")]


@router.get("/plan")
def plan(request: Request, viewer: WebViewer, session: Session = Depends(get_session), q: str = "",
         notice: str = "") -> Response:
    require_lead(viewer)
    return _render(request, session, viewer, _quarter_or_current(q), notice=notice[:200] or None)


def _render(request: Request, session: Session, viewer: Person, quarter: str, *, notice: str | None = None,
            error: str | None = None, form: dict[str, str] | None = None, status: int = 200) -> Response:
    """The plan page; a refused goal form comes back with ``error`` beside it and ``form`` (what
    was typed, ``form["where"]`` naming the form) in its fields."""
    people = []
    for person in plannable_people(session, viewer):
        latest = latest_visible_draft(session, viewer, kind="goals", subject_id=person.id, period=quarter)
        goals = visible_goals(session, viewer, person_id=person.id, quarter=quarter)
        kpis = visible_kpis(session, viewer, owner_id=person.id)
        people.append({"person": person, "goals": [goal_public(session, g) for g in goals], "kpis": kpis,
                       "kpi_names": {k.key: k.name for k in kpis}, "draft": latest,
                       "suggestions": suggestions(latest), **_acceptance(session, viewer, latest)})
    objectives = quarter_objectives(session, quarter)
    links = visible_links(session, viewer, quarter) if objectives else []
    return page(request, "plan.html", {
        "quarter": quarter, "quarters": list_quarters(session), "now": quarter_in_force(),
        "objectives": objectives, "retired": [o for o in quarter_objectives(session, quarter, retired=True)
                                              if o.retired],
        "links": links, "unserved": [x for x in links if x.objective is None],
        "founder": viewer.access == "founder", "people": people, "notice": notice,
        "objective_titles": {o.key: o.title for o in objectives}, "error": error, "form": form or {}},
        status_code=status)


def _target(text: str) -> float | None:
    """A target as typed: blank is none; anything else must read as a finite number ("9.5", "10")."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(f"the target {text!r} is not a number: write it as digits, like 9.5")
    return value


def _goal_form(request: Request, viewer: Person, quarter: str, form: dict[str, str], act) -> Response:  # noqa: ANN001
    """Run ``act(session)`` (it returns where to go) in a write transaction; a refused value shows
    the plan again with the message beside the form and what was typed kept (422)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        try:
            target = act(session)
        except (ValidationError, InvalidInput) as exc:
            session.rollback()
            message = exc.message if isinstance(exc, InvalidInput) else "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'goal'}: {e['msg']}" for e in exc.errors())
            return _render(request, session, viewer, quarter, error=message, form=form, status=422)
        session.commit()
    return RedirectResponse(target, status_code=303)


def _acceptance(session: Session, viewer: Person, draft: Draft | None) -> dict:
    """Whether the viewer may accept the draft's suggestions: only whoever asked for the draft
    changes it (``changeable_draft``), so anyone else is told whose they are instead of a button
    that answers 403."""
    if draft is None:
        return {"may_accept": False, "requester": None}
    _subject, requester = draft_people(session, viewer, draft)
    return {"may_accept": draft.requested_by_id == viewer.id, "requester": requester}


@router.post("/plan/suggest/{person_id}", dependencies=CSRF)
def suggest(request: Request, person_id: RowId, viewer: WebViewer,
            quarter: Annotated[QuarterId, Form()]) -> Response:
    require_lead(viewer)
    return run_draft(request, viewer, person_id, "goals", quarter,
                     Retry(f"/plan/suggest/{person_id}", "Try the suggestions again", {"quarter": quarter}),
                     what="The goal suggestions", then=lambda _draft: f"/plan?q={quarter}#person-{person_id}")


def _quarter_or_current(q: str) -> str:
    """The quarter asked for if it exists, else the one being planned (a quarter row nobody
    planned never decides it)."""
    try:
        return check_quarter(q)
    except InvalidInput:
        return planning_quarter()


def _back(quarter: str, notice: str, anchor: str = "objectives") -> RedirectResponse:
    return RedirectResponse(f"/plan?q={quarter}&notice={notice.replace(' ', '+')}#{anchor}", status_code=303)


@router.post("/plan/objectives", dependencies=CSRF)
def add_objective(viewer: WebViewer, quarter: Annotated[QuarterId, Form()],
                  key: Annotated[str, Form(max_length=64)], title: Annotated[str, Form(max_length=300)]) -> Response:
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        try:
            body = ObjectiveCreate(key=key.strip().lower(), title=" ".join(title.split()))
        except ValidationError as exc:
            raise InvalidInput(f"objective: {exc.errors()[0]['msg']}") from None
        create_objective(session, viewer, quarter, body)
        session.commit()
    return _back(quarter, "Objective added")


@router.post("/plan/objectives/{objective_id}", dependencies=CSRF)
def change_objective(viewer: WebViewer, objective_id: RowId, quarter: Annotated[QuarterId, Form()],
                     title: Annotated[str, Form(max_length=300)] = "",
                     action: Annotated[str, Form(pattern="^(save|retire|restore)$")] = "save") -> Response:
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        try:
            body = (ObjectiveUpdate(title=" ".join(title.split())) if action == "save"
                    else ObjectiveUpdate(retired=action == "retire"))
        except ValidationError as exc:
            raise InvalidInput(f"objective: {exc.errors()[0]['msg']}") from None
        update_objective(session, viewer, quarter, objective_id, body)
        session.commit()
    return _back(quarter, {"save": "Objective saved", "retire": "Objective retired",
                           "restore": "Objective restored"}[action])


@router.post("/plan/links", dependencies=CSRF)
def set_link(viewer: WebViewer, quarter: Annotated[QuarterId, Form()], kpi: Annotated[str, Form(max_length=64)],
             objective: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Confirm the objective a KPI serves this quarter (empty: none of them)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        confirm_link(session, viewer, quarter, kpi, _blank(objective))
        session.commit()
    return _back(quarter, "Link confirmed", "links")


def _blank(v: str | None) -> str | None:
    return v.strip() or None if v is not None else None


@router.post("/plan/goals", dependencies=CSRF)
def add_goal(request: Request, viewer: WebViewer, person_id: Annotated[int, Form()], quarter: Annotated[str, Form()],
             title: Annotated[str, Form(max_length=300)], kpi: Annotated[str, Form(max_length=64)] = "",
             target: Annotated[str, Form(max_length=40)] = "",
             objective: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Store a goal the manager wrote by hand (a suggestion goes through ``accept``)."""
    quarter = _quarter_or_current(quarter)
    form = {"where": f"add-{person_id}", "title": title, "kpi": kpi, "target": target, "objective": objective}

    def act(session: Session) -> str:
        person = visible_person(session, viewer, person_id)
        create_goal(session, viewer, GoalCreate(person=person.email, quarter=quarter, title=title.strip(),
                                                kpi=_blank(kpi), target=_target(target), objective=_blank(objective)))
        return f"/plan?q={quarter}&notice=Goal+saved#person-{person_id}"

    return _goal_form(request, viewer, quarter, form, act)


@router.post("/plan/suggestions/{draft_id}/{index}/accept", dependencies=CSRF)
def accept(request: Request, viewer: WebViewer, draft_id: RowId, index: Annotated[int, Path(ge=0, le=99)],
           title: Annotated[str, Form(max_length=300)] = "",
           target: Annotated[str, Form(max_length=40)] = "",
           quarter: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Store suggestion ``index`` of a goals draft as a role goal, as drafted or reworded, through the
    same ``accept_suggestion`` the API calls: the draft records the goal and turns accepted, and a
    second accept of the same suggestion is a Conflict (409)."""
    form = {"where": f"suggestion-{draft_id}-{index}", "title": title, "target": target}

    def act(session: Session) -> str:
        # The form edits the title in a textarea; a goal title is still one line.
        goal = accept_suggestion(session, viewer, draft_id, index, title=" ".join(title.split()) or None,
                                 target=_target(target))
        return f"/plan?q={goal.quarter_id}&notice=Goal+saved#person-{goal.person_id}"

    return _goal_form(request, viewer, _quarter_or_current(quarter), form, act)


@router.post("/plan/goals/{goal_id}", dependencies=CSRF)
def edit_goal(request: Request, viewer: WebViewer, goal_id: RowId, title: Annotated[str, Form(max_length=300)],
              target: Annotated[str, Form(max_length=40)] = "",
              status: Annotated[str, Form(max_length=20)] = "active",
              quarter: Annotated[str, Form(max_length=10)] = "") -> Response:
    form = {"where": f"goal-{goal_id}", "title": title, "target": target, "status": status}

    def act(session: Session) -> str:
        goal = update_goal(session, viewer, goal_id, GoalUpdate(title=title, target=_target(target), status=status))
        if goal is None:
            raise NotFound("goal not found")
        return f"/plan?q={goal.quarter_id}&notice=Goal+updated#person-{goal.person_id}"

    return _goal_form(request, viewer, _quarter_or_current(quarter), form, act)
