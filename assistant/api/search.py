"""GET /api/search: ranked check-ins the viewer may see, or playbook sections."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from assistant.api.deps import MAX_ROW_ID, SessionDep, ViewerDep, errors
from assistant.domain.calendar import Week
from assistant.retrieval.search import SearchResults, run_search

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchResults, responses=errors(422, 503))
def search(
    session: SessionDep, viewer: ViewerDep,
    q: str = Query(..., min_length=1, max_length=500, description="What to look for, in plain words."),
    kind: Literal["checkins", "playbook"] = "checkins",
    k: int = Query(5, ge=1, le=50),
    person_id: int | None = Query(None, ge=1, le=MAX_ROW_ID, description="Only this person's check-ins (if visible)."),
    week: list[Week] | None = Query(None, description="ISO weeks, repeatable."),  # validated per item
) -> SearchResults:
    """Check-ins are limited to people the viewer may see; source ids are citable."""
    return run_search(session, viewer, q, kind, k, person_id, week)
