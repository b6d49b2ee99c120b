"""Browser sign-in: a token (or a one-time link) becomes a web session; sign-out revokes it.

A web session is an ApiToken row named ``web session`` whose random value lives only in the
signed cookie, so revoking a person's tokens (`cadence token revoke`) signs their browsers
out too. It is not an API token, and it ends after CADENCE_SESSION_IDLE_HOURS unused or
CADENCE_SESSION_MAX_DAYS after sign-in, whichever comes first. A sign-in link carries a
``signin link`` token that works once and for a short time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from assistant.core.db import begin_write, get_engine
from assistant.domain.auth import (
    LINK_NAME,
    PREFIX,
    WEB_SESSION,
    create_token,
    person_for_token,
    person_for_web_session,
    revoke_named_token,
    spend_link,
)
from assistant.domain.models import Access, Person
from assistant.errors import Unauthorized
from assistant.settings import get_settings

LINK_TTL = timedelta(minutes=30)


def start_session(request: Request, token: str) -> Person:
    """Check a token the person pasted and open a fresh web session for its owner."""
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        person = person_for_token(session, token)
        web_token = create_token(session, person, WEB_SESSION)
        session.commit()
    _set_session(request, web_token)
    return person


def create_signin_link(session: Session, person: Person, base_url: str) -> str:
    """A one-time sign-in URL for the person (the caller commits); for `cadence token create --link`."""
    token = create_token(session, person, LINK_NAME)
    return f"{base_url.rstrip('/')}/signin/link?t={token}"


def redeem_link(request: Request, token: str) -> Person:
    """Spend a sign-in link (valid once, within LINK_TTL of its creation) and open a web session."""
    with Session(get_engine(), expire_on_commit=False) as session:
        begin_write(session)
        person = spend_link(session, token, ttl=LINK_TTL)
        web_token = create_token(session, person, WEB_SESSION)
        session.commit()
    _set_session(request, web_token)
    return person


def end_session(request: Request) -> None:
    """Revoke this browser's web session and forget the cookie's contents."""
    token = request.session.get("token")
    if token:
        with Session(get_engine()) as session:
            begin_write(session)
            revoke_named_token(session, token, WEB_SESSION)
            session.commit()
    request.session.clear()


def _set_session(request: Request, web_token: str) -> None:
    # A new session on sign-in: nothing from before (e.g. a planted CSRF token) carries over.
    request.session.clear()
    request.session["token"] = web_token


def web_viewer(request: Request) -> Person:
    """The signed-in person, or Unauthorized (which the web error handler turns into a redirect)."""
    token = request.session.get("token")
    if not token or not token.startswith(PREFIX):
        raise Unauthorized("sign in to continue")
    settings = get_settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        person = person_for_web_session(session, token, idle=timedelta(hours=settings.session_idle_hours),
                                        absolute=timedelta(days=settings.session_max_days))
        session.expunge(person)
    request.state.viewer = person
    return person


WebViewer = Annotated[Person, Depends(web_viewer)]


def landing(person: Person) -> str:
    """Where a person lands after sign-in: a member on their week, a manager or founder on their team."""
    return "/week" if person.access == Access.member else "/team"
