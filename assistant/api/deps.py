"""Shared dependencies: the session and the signed-in viewer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlmodel import Session

from assistant.core.db import get_engine, get_session, get_write_session
from assistant.domain.auth import person_for_token
from assistant.domain.models import Person

SessionDep = Annotated[Session, Depends(get_session)]

# Row ids are 32-bit on PostgreSQL and 64-bit on SQLite: a bigger number is a 422, not a
# driver overflow (which would be a 500).
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
RowIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]


def current_viewer(request: Request) -> Person:
    """The person behind the Bearer token: an API token only (a browser's session cookie is
    the web's credential, not the API's).

    Looked up in a short session of its own, so a write route's transaction is the only
    one it holds and begins as a write.
    """
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else None
    with Session(get_engine(), expire_on_commit=False) as session:
        person = person_for_token(session, token)
        session.expunge(person)
    return person


ViewerDep = Annotated[Person, Depends(current_viewer)]


# Documented error responses for routes, so the OpenAPI schema says what can come back.
def errors(*codes: int) -> dict[int | str, dict]:
    from assistant.domain.schemas import ErrorBody

    # 400: a body that is not JSON at all (FastAPI answers it before validation)
    return {code: {"model": ErrorBody} for code in sorted({400, 401, *codes})}
