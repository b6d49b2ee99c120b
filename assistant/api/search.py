"""GET /api/search: ranked check-ins the viewer may see, or playbook sections."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, StringConstraints

from assistant.api.deps import MAX_ROW_ID, SessionDep, ViewerDep, errors
from assistant.domain.calendar import ISO_WEEK
from assistant.retrieval import Hit, search_checkins, search_playbook

router = APIRouter(prefix="/api", tags=["search"])


class SearchResults(BaseModel):
    query: str
    kind: Literal["checkins", "playbook"]
    hits: list[Hit]


def run_search(session, viewer, q: str, kind: str, k: int,  # noqa: ANN001 - shared with the CLI
               person_id: int | None = None, weeks: list[str] | None = None) -> SearchResults:
    if kind == "playbook":
        hits = search_playbook(q, k=k)
    else:
        hits = search_checkins(session, viewer, q, k=k, weeks=weeks or None,
                               person_ids=[person_id] if person_id is not None else None)
    return SearchResults(query=q, kind=kind, hits=hits)


@router.get("/search", response_model=SearchResults, responses=errors(422, 503))
def search(
    session: SessionDep, viewer: ViewerDep,
    q: str = Query(..., min_length=1, max_length=500, description="What to look for, in plain words."),
    kind: Literal["checkins", "playbook"] = "checkins",
    k: int = Query(5, ge=1, le=50),
    person_id: int | None = Query(None, ge=1, le=MAX_ROW_ID, description="Only this person's check-ins (if visible)."),
    week: list[Annotated[str, StringConstraints(pattern=ISO_WEEK.pattern)]] | None = Query(
        None, description="ISO weeks, repeatable."),  # per item: on the list itself it fails as a 500
) -> SearchResults:
    """Check-ins are limited to people the viewer may see; source ids are citable."""
    return run_search(session, viewer, q, kind, k, person_id, week)
