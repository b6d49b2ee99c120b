from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assistant.api.deps import RowId, RowIdQuery, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.calendar import QuarterId
from assistant.domain.goals import create_goal, goal_public, update_goal, visible_goals
from assistant.domain.schemas import GoalCreate, GoalPublic, GoalUpdate

router = APIRouter(prefix="/api/goals", tags=["goals"])


@router.get("", response_model=list[GoalPublic], responses=errors())
def list_goals(session: SessionDep, viewer: ViewerDep, person_id: RowIdQuery = None,
               quarter: Annotated[QuarterId | None, Query()] = None) -> list[GoalPublic]:
    return [goal_public(session, g) for g in visible_goals(session, viewer, person_id=person_id, quarter=quarter)]


@router.post("", response_model=GoalPublic, status_code=201, responses=errors(403, 404, 422))
def add_goal(body: GoalCreate, session: WriteSessionDep, viewer: ViewerDep) -> GoalPublic:
    goal = create_goal(session, viewer, body)
    session.commit()
    return goal_public(session, goal)


@router.patch("/{goal_id}", response_model=GoalPublic, responses=errors(403, 404, 422))
def change_goal(goal_id: RowId, body: GoalUpdate, session: WriteSessionDep, viewer: ViewerDep) -> GoalPublic:
    goal = update_goal(session, viewer, goal_id, body)
    session.commit()
    return goal_public(session, goal)
