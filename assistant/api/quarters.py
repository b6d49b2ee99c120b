"""Quarters, their objectives, and which objective each KPI serves in a quarter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from assistant.api.deps import RowId, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.calendar import QUARTER, check_quarter
from assistant.domain.goals import close_quarter
from assistant.domain.kpi_links import confirm_link, visible_links
from assistant.domain.quarters import (
    create_objective,
    get_objective,
    list_quarters,
    objective_public,
    quarter_objectives,
    update_objective,
)
from assistant.domain.schemas import (
    GoalClosed,
    KpiLinkPublic,
    KpiLinkSet,
    ObjectiveCreate,
    ObjectivePublic,
    ObjectiveUpdate,
    QuarterPublic,
)

router = APIRouter(prefix="/api/quarters", tags=["quarters"])
QuarterPath = Annotated[str, Path(pattern=QUARTER.pattern, description="e.g. 2027-Q1")]
KpiKey = Annotated[str, Path(max_length=64)]


@router.get("", response_model=list[QuarterPublic], responses=errors())
def quarters(session: SessionDep, viewer: ViewerDep) -> list[QuarterPublic]:
    """Planned quarters plus the current and the next one (listed before it has objectives), newest first."""
    return list_quarters(session)


@router.get("/{quarter}/objectives", response_model=list[ObjectivePublic], responses=errors(422))
def objectives(quarter: QuarterPath, session: SessionDep, viewer: ViewerDep,
               retired: bool = False) -> list[ObjectivePublic]:
    return [objective_public(o) for o in quarter_objectives(session, check_quarter(quarter), retired=retired)]


@router.post("/{quarter}/objectives", response_model=ObjectivePublic, status_code=201,
             responses=errors(403, 409, 422))
def add_objective(quarter: QuarterPath, body: ObjectiveCreate, session: WriteSessionDep,
                  viewer: ViewerDep) -> ObjectivePublic:
    row = create_objective(session, viewer, quarter, body)
    session.commit()
    return objective_public(row)


@router.get("/{quarter}/objectives/{objective_id}", response_model=ObjectivePublic, responses=errors(404, 422))
def one_objective(quarter: QuarterPath, objective_id: RowId, session: SessionDep,
                  viewer: ViewerDep) -> ObjectivePublic:
    return objective_public(get_objective(session, quarter, objective_id))


@router.patch("/{quarter}/objectives/{objective_id}", response_model=ObjectivePublic,
              responses=errors(403, 404, 422))
def change_objective(quarter: QuarterPath, objective_id: RowId, body: ObjectiveUpdate, session: WriteSessionDep,
                     viewer: ViewerDep) -> ObjectivePublic:
    row = update_objective(session, viewer, quarter, objective_id, body)
    session.commit()
    return objective_public(row)


@router.get("/{quarter}/links", response_model=list[KpiLinkPublic], responses=errors(422))
def links(quarter: QuarterPath, session: SessionDep, viewer: ViewerDep) -> list[KpiLinkPublic]:
    """Each visible KPI's objective in ``quarter``: confirmed, or suggested by meaning with a confidence and reason."""
    return [link.public() for link in visible_links(session, viewer, check_quarter(quarter))]


@router.put("/{quarter}/links/{kpi}", response_model=KpiLinkPublic, responses=errors(403, 404, 422))
def set_link(quarter: QuarterPath, kpi: KpiKey, body: KpiLinkSet, session: WriteSessionDep,
             viewer: ViewerDep) -> KpiLinkPublic:
    """Confirm (or change) the objective a KPI serves in ``quarter``; ``objective: null`` means none of them."""
    link = confirm_link(session, viewer, check_quarter(quarter), kpi, body.objective)
    session.commit()
    return link.public()


@router.post("/{quarter}/close", response_model=list[GoalClosed], responses=errors(403, 422))
def close(quarter: QuarterPath, session: WriteSessionDep, viewer: ViewerDep) -> list[GoalClosed]:
    """Close an ended quarter's goals: each active goal with a KPI and a target becomes achieved or missed
    on its final value; the rest stay active and say why. Founders only; closing twice changes nothing."""
    closed = close_quarter(session, viewer, check_quarter(quarter))
    session.commit()
    return closed
