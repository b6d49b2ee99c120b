"""API tokens and web sessions: random, shown once, stored as a sha256 hash, revocable.

Three kinds of row share the table, told apart by ``name``: API tokens (a bearer for the
API), one-time sign-in links (``LINK_NAME``: spent once by the web sign-in page) and web
sessions (``WEB_SESSION``: the browser's cookie, which expires when idle and with age). Each
kind is accepted only where it belongs: a sign-in link, or a web session read out of a
cookie, is not a bearer token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from assistant.core.db import begin_write
from assistant.domain.models import ApiToken, Person, utcnow
from assistant.errors import Unauthorized

PREFIX = "cad_"
LINK_NAME = "signin link"
"""Name of the token behind a one-time sign-in link: only the web's redeem step accepts it."""
WEB_SESSION = "web session"
"""Name of a browser's session token: only the web's cookie check accepts it."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, person: Person, name: str = "") -> str:
    """A new token for the person; the caller commits. Only the hash is stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(person_id=person.id, token_hash=hash_token(token), name=name))
    return token


def person_for_token(session: Session, token: str | None) -> Person:
    if not token:
        raise Unauthorized("sign in: send 'Authorization: Bearer <token>'")
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip()))).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the token is unknown or revoked")
    if row.name == LINK_NAME:
        # A sign-in link is spent once, within its expiry, by the web sign-in page only.
        raise Unauthorized("a sign-in link is not an API token; open it in a browser")
    if row.name == WEB_SESSION:
        # The cookie is signed, not encrypted: whoever reads it must not get a lasting API credential.
        raise Unauthorized("a web session is not an API token; create one with `cadence token create`")
    person = session.get(Person, row.person_id)
    if person is None:
        raise Unauthorized("the token's person no longer exists")
    return person


def person_for_web_session(session: Session, token: str, *, idle: timedelta, absolute: timedelta) -> Person:
    """The person behind a browser's session token, while it lives: used within ``idle`` of its
    previous request and younger than ``absolute``. Marks it used (at most every few minutes,
    so page views are not each a write); ``session`` must not be in a transaction yet."""
    row = session.exec(select(ApiToken.id, ApiToken.person_id, ApiToken.name, ApiToken.created_at,
                              ApiToken.revoked_at, ApiToken.last_used_at)
                       .where(ApiToken.token_hash == hash_token(token.strip()))).first()
    session.rollback()  # the read ends here: the refresh below is a write transaction of its own
    if row is None or row.name != WEB_SESSION or row.revoked_at is not None:
        raise Unauthorized("the session ended; sign in again")
    last = row.last_used_at or row.created_at
    if _older_than(row.created_at, absolute) or _older_than(last, idle):
        raise Unauthorized("the session expired; sign in again")
    if _older_than(last, min(idle / 10, timedelta(minutes=5))):
        begin_write(session)
        session.execute(update(ApiToken).where(col(ApiToken.id) == row.id).values(last_used_at=utcnow()))
        session.commit()
    person = session.get(Person, row.person_id)
    if person is None:
        raise Unauthorized("the session's person no longer exists")
    return person


def spend_link(session: Session, token: str, *, ttl: timedelta) -> Person:
    """Revoke a sign-in link token and return its person: valid once, within ``ttl`` of its
    creation (the caller commits).

    The revoke is one conditional UPDATE whose row count says who spent it: on PostgreSQL,
    READ COMMITTED lets concurrent redeems all read the link as unspent, and only the UPDATE
    that still finds ``revoked_at IS NULL`` may open a session (the others wait on its row
    lock, then match nothing).
    """
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip()))).first()
    if row is None or row.name != LINK_NAME or row.revoked_at is not None or _older_than(row.created_at, ttl):
        raise Unauthorized("this sign-in link was already used or has expired; ask for a new one")
    spent = session.execute(update(ApiToken).where(col(ApiToken.id) == row.id, col(ApiToken.revoked_at).is_(None))
                            .values(revoked_at=utcnow()))
    if spent.rowcount != 1:
        raise Unauthorized("this sign-in link was already used or has expired; ask for a new one")
    person = session.get(Person, row.person_id)
    if person is None:
        raise Unauthorized("the link's person no longer exists")
    return person


def revoke_named_token(session: Session, token: str, name: str) -> None:
    """Revoke ``token`` if it is a live token called ``name`` (a browser's web session); the caller commits."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is not None and row.name == name and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def _older_than(created: datetime, age: timedelta) -> bool:
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=UTC)
    return datetime.now(UTC) - created > age


def revoke_named_tokens(session: Session, person: Person, names: tuple[str, ...]) -> int:
    """Revoke the person's live tokens called one of ``names`` (e.g. the demo's); the caller commits."""
    rows = session.exec(
        select(ApiToken).where(ApiToken.person_id == person.id, ApiToken.revoked_at == None,  # noqa: E711
                               col(ApiToken.name).in_(names))
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    return len(rows)


def revoke_tokens(session: Session, person: Person) -> int:
    rows = session.exec(
        select(ApiToken).where(ApiToken.person_id == person.id, ApiToken.revoked_at == None)  # noqa: E711
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    return len(rows)
