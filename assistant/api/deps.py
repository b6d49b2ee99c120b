"""Shared dependencies: the session and the signed-in viewer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from assistant.auth import person_for_token
from assistant.db import get_engine, get_session, get_write_session
from assistant.models import Person

SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def current_viewer(request: Request) -> Person:
    """The person behind the Bearer token (or the web session cookie, set by the web layer).

    Looked up in a short session of its own, so a write route's transaction is the only
    one it holds and begins as a write.
    """
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else None
    if token is None:
        token = getattr(request.state, "session_token", None)
    with Session(get_engine(), expire_on_commit=False) as session:
        person = person_for_token(session, token)
        session.expunge(person)
    return person


ViewerDep = Annotated[Person, Depends(current_viewer)]


def draft_rate_limit(viewer: ViewerDep) -> None:
    """Router dependency for POST /api/drafts/<kind>: 429 past the per-user limit."""
    from assistant.ratelimit import check_draft_rate

    check_draft_rate(viewer.id)


# Documented error responses for routes, so the OpenAPI schema says what can come back.
def errors(*codes: int) -> dict[int | str, dict]:
    from assistant.schemas import ErrorBody

    return {code: {"model": ErrorBody} for code in (401, *codes)}
