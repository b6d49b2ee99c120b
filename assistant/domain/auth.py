"""API tokens: random, shown once, stored as a sha256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from assistant.domain.models import ApiToken, Person, utcnow
from assistant.errors import Unauthorized

PREFIX = "cad_"
LINK_NAME = "signin link"
"""Name of the token behind a one-time sign-in link: only the web's redeem step accepts it."""


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
    person = session.get(Person, row.person_id)
    if person is None:
        raise Unauthorized("the token's person no longer exists")
    return person


def spend_link(session: Session, token: str, *, ttl: timedelta) -> Person:
    """Revoke a sign-in link token and return its person: valid once, within ``ttl`` of its
    creation (the caller commits, in a write transaction so two redeems cannot both pass)."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip()))).first()
    if row is None or row.name != LINK_NAME or row.revoked_at is not None or _older_than(row.created_at, ttl):
        raise Unauthorized("this sign-in link was already used or has expired; ask for a new one")
    row.revoked_at = utcnow()
    session.add(row)
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
