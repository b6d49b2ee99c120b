"""Idempotency-Key support for POSTs: same key + same body replays; another body is a 409."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session, select

from assistant.errors import Conflict, InvalidInput
from assistant.models import IdempotencyRecord

MAX_KEY = 200


def body_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def lookup(session: Session, person_id: int, key: str, request_hash: str) -> IdempotencyRecord | None:
    """The stored response for this key, or None; Conflict if the key came with another body."""
    if not key or len(key) > MAX_KEY:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY} characters")
    record = session.exec(
        select(IdempotencyRecord).where(IdempotencyRecord.person_id == person_id, IdempotencyRecord.key == key)
    ).first()
    if record is not None and record.request_hash != request_hash:
        raise Conflict("this Idempotency-Key was already used with a different request body")
    return record


def remember(session: Session, person_id: int, key: str, request_hash: str, status_code: int,
             response: dict[str, Any]) -> None:
    """Stored in the same transaction as the write it describes."""
    session.add(IdempotencyRecord(person_id=person_id, key=key, request_hash=request_hash,
                                  status_code=status_code, response=response))
