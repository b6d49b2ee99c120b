"""Idempotency-Key support for POSTs: same key + same body replays; another body is a 409."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from assistant.domain.models import IdempotencyRecord
from assistant.errors import Conflict, InvalidInput

MAX_KEY = 200


def body_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Replay:
    """The first answer given for a key, copied out of its row.

    A copy, not the ORM row: callers end the write transaction right after the lookup,
    and a rollback expires every loaded row, so reading ``record.response`` afterwards
    silently began a new write transaction (BEGIN IMMEDIATE). That transaction stayed open
    until the request's session closed, after the response was serialised on a threadpool
    thread, while the threadpool was full of requests waiting for the very same lock: 50
    concurrent retries of one key left 14-20 of them answering 500 "database is locked"
    after the 30 s busy timeout (issue 9).
    """

    status_code: int
    response: dict[str, Any]


def lookup(session: Session, person_id: int, key: str, request_hash: str) -> Replay | None:
    """The stored answer for this key, or None; Conflict if the key came with another body."""
    if not key or len(key) > MAX_KEY:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY} characters")
    record = session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.person_id == person_id, IdempotencyRecord.key == key)
    ).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise Conflict("this Idempotency-Key was already used with a different request body")
    return Replay(status_code=record.status_code, response=record.response)


def remember(session: Session, person_id: int, key: str, request_hash: str, status_code: int,
             response: dict[str, Any]) -> None:
    """Stored in the same transaction as the write it describes."""
    session.add(IdempotencyRecord(person_id=person_id, key=key, request_hash=request_hash,
                                  status_code=status_code, response=response))
