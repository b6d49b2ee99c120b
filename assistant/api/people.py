from __future__ import annotations

from fastapi import APIRouter, Response

from assistant.api.deps import RowId, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.domain.models import Person
from assistant.domain.people import delete_person
from assistant.domain.schemas import PersonPublic
from assistant.domain.team import visible_people, visible_person

router = APIRouter(prefix="/api/people", tags=["people"])


@router.get("", response_model=list[PersonPublic], responses=errors())
def list_people(session: SessionDep, viewer: ViewerDep) -> list[Person]:
    """Everyone the viewer may see (themself included)."""
    return list(visible_people(session, viewer).values())  # ordered by id


@router.get("/me", response_model=PersonPublic, responses=errors())
def me(viewer: ViewerDep) -> Person:
    return viewer


@router.get("/{person_id}", response_model=PersonPublic, responses=errors(404))
def get_person(person_id: RowId, session: SessionDep, viewer: ViewerDep) -> Person:
    return visible_person(session, viewer, person_id)


@router.delete("/{person_id}", status_code=204, responses=errors(403, 404))
def remove_person(person_id: RowId, session: WriteSessionDep, viewer: ViewerDep) -> Response:
    """Delete a person and everything by or about them (founders only; not yourself).

    Their check-ins leave the search index through the outbox; see the README for a full
    purge of the index files.
    """
    delete_person(session, viewer, person_id)
    session.commit()
    return Response(status_code=204)
