from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlmodel import Session

from assistant.api.deps import RowId, RowIdQuery, SessionDep, ViewerDep, WriteSessionDep, errors
from assistant.core.db import get_engine
from assistant.domain.calendar import Week
from assistant.domain.checkins import delete_checkin, get_visible_checkin, list_visible_checkins, submit_checkin
from assistant.domain.models import CheckIn, Person
from assistant.domain.schemas import CheckInCreate, CheckInPublic
from assistant.errors import DraftInvalid, ProviderUnavailable, RateLimited

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/checkins", tags=["check-ins"])
# Past any real table, and inside every driver's integer (SQLite's is 64-bit: 30 digits overflowed it).
MAX_OFFSET = 10**9
WeekQuery = Annotated[Week | None, Query()]


@router.post("", response_model=CheckInPublic, status_code=201,
             responses={200: {"model": CheckInPublic, "description": "The week's check-in was updated."},
                        **errors(409, 422)})
def file_checkin(
    body: CheckInCreate, response: Response, session: WriteSessionDep, viewer: ViewerDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    feedback: Annotated[bool, Query(description="Draft feedback on it right away (see X-Feedback-Draft).")] = False,
) -> dict:
    """File or update your own check-in for a week (201 when new, 200 when updated).

    With an ``Idempotency-Key`` header, a retry with the same body replays the first
    answer; the same key with another body is a 409. With ``?feedback=true`` a feedback
    draft is requested once the check-in is committed: its id comes back in the
    ``X-Feedback-Draft`` header, or ``unavailable`` (and ``X-Feedback-Error``) when the
    model could not write it; the check-in stays saved either way.
    """
    answer = submit_checkin(session, viewer, body, idempotency_key=idempotency_key)
    response.status_code = answer.status_code
    if feedback and not answer.replayed:
        _draft_feedback(response, viewer, body.week)
    return answer.response


def _draft_feedback(response: Response, viewer: Person, week: str) -> None:
    """Feedback on the just-committed check-in, in a session of its own: a failure here leaves it saved."""
    from assistant.drafting import request_draft

    try:
        with Session(get_engine(), expire_on_commit=False) as session:
            person = session.get(Person, viewer.id)
            draft = request_draft("feedback", session, person, person, week)
            session.commit()
    except (ProviderUnavailable, DraftInvalid, RateLimited) as exc:
        log.warning("check-in saved; feedback draft unavailable: %s", exc.message)
        response.headers["X-Feedback-Draft"] = "unavailable"
        response.headers["X-Feedback-Error"] = exc.code
        if isinstance(exc, ProviderUnavailable | RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return
    response.headers["X-Feedback-Draft"] = str(draft.id)


@router.get("", response_model=list[CheckInPublic], responses=errors(422))
def list_checkins(
    session: SessionDep, viewer: ViewerDep, person_id: RowIdQuery = None,
    week_from: WeekQuery = None, week_to: WeekQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[CheckIn]:
    """Check-ins the viewer may see, newest week first."""
    return list_visible_checkins(session, viewer, person_id=person_id, week_from=week_from,
                                 week_to=week_to, limit=limit, offset=offset)


@router.get("/{checkin_id}", response_model=CheckInPublic, responses=errors(404))
def get_checkin(checkin_id: RowId, session: SessionDep, viewer: ViewerDep) -> CheckIn:
    return get_visible_checkin(session, viewer, checkin_id)


@router.delete("/{checkin_id}", status_code=204, responses=errors(403, 404))
def remove_checkin(checkin_id: RowId, session: WriteSessionDep, viewer: ViewerDep) -> Response:
    """Delete a check-in (its author or a founder); it leaves the search index too."""
    delete_checkin(session, viewer, checkin_id)
    session.commit()
    return Response(status_code=204)
