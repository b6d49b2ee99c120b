"""Weekly check-ins: the write path (with its outbox row and Idempotency-Key replays) and visible reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.domain.calendar import check_checkin_week
from assistant.domain.models import CheckIn, IdempotencyRecord, Kpi, Outbox, Person, utcnow
from assistant.domain.schemas import CheckInCreate, CheckInPublic, CheckInWrite
from assistant.domain.team import can_see, person_scope, visible_among
from assistant.errors import Conflict, Forbidden, InvalidInput, NotFound

MAX_KEY = 200  # characters of an Idempotency-Key


def enqueue_index(session: Session, checkin_id: int, op: str = "upsert") -> None:
    """Queue index work in the caller's transaction: SQL commits it with the check-in."""
    if op not in ("upsert", "delete"):
        raise ValueError(f"op must be upsert or delete, not {op!r}")
    session.add(Outbox(op=op, entity="checkin", entity_id=checkin_id))


def lock_writer(session: Session, person_id: int) -> None:
    """Serialize a person's check-in writes: a row lock on PostgreSQL (SQLite's BEGIN
    IMMEDIATE already serializes every write). Without it two concurrent first writes of a
    week, or of an Idempotency-Key, both read "none yet" and one fails on the unique key."""
    if session.get_bind().dialect.name != "sqlite":
        session.exec(select(Person.id).where(Person.id == person_id).with_for_update()).first()


def upsert_checkin(session: Session, *, person: Person, week: str, body: CheckInWrite) -> tuple[CheckIn, bool]:
    """Create or update the person's check-in for ``week``; returns (row, created). Caller commits."""
    week = check_checkin_week(week)
    lock_writer(session, person.id)
    own_kpis = set(session.exec(select(Kpi.key).where(Kpi.owner_id == person.id)).all())
    unknown = sorted(set(body.metrics) - own_kpis)
    if unknown:
        raise InvalidInput(f"metrics: not your KPIs: {', '.join(unknown)}")
    row = session.exec(select(CheckIn).where(CheckIn.person_id == person.id, CheckIn.week == week)).first()
    created = row is None
    if row is None:
        row = CheckIn(person_id=person.id, week=week)
    row.wins, row.priorities, row.blockers = body.wins, body.priorities, body.blockers
    row.metrics = {k: v.value for k, v in body.metrics.items()}
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    enqueue_index(session, row.id)
    return row, created


@dataclass(frozen=True)
class CheckInAnswer:
    """An answer to a check-in POST: its status (201 created, 200 updated) and JSON body.

    Stored answers are copied out of their row, never handed out as the ORM row: callers
    end the write transaction right after a lookup, and a rollback expires every loaded
    row, so reading ``record.response`` afterwards would quietly begin a new write
    transaction (BEGIN IMMEDIATE on SQLite). That one stays open until the request's
    session closes, after the response is serialised on a threadpool thread, while other
    requests in the threadpool wait for the same lock: concurrent retries of one key then
    answer 500 "database is locked" once the busy timeout runs out.
    """

    status_code: int
    response: dict[str, Any]
    replayed: bool = True  # False: this request wrote the check-in


def body_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def find_replay(session: Session, person_id: int, key: str, request_hash: str) -> CheckInAnswer | None:
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
    return CheckInAnswer(status_code=record.status_code, response=record.response)


def submit_checkin(session: Session, viewer: Person, body: CheckInCreate, *,
                 idempotency_key: str | None = None) -> CheckInAnswer:
    """File or update the viewer's own check-in for ``body.week`` and commit it.

    With an ``idempotency_key``, a retry with the same body gets the first answer again
    (``replayed``), stored in the same transaction as the write it describes; the same key
    with another body is a Conflict. When a concurrent request wins the race for the week
    or the key (the unique index fails on commit), this one answers as that one did, or
    is a Conflict to retry when there is nothing to replay.
    """
    request_hash = body_hash(body.model_dump(mode="json"))
    if idempotency_key is not None:
        lock_writer(session, viewer.id)  # PostgreSQL: a concurrent retry waits, then replays
        replay = find_replay(session, viewer.id, idempotency_key, request_hash)
        if replay is not None:
            session.rollback()  # end the write transaction here, not on a later threadpool hop
            return replay
    row, created = upsert_checkin(session, person=viewer, week=body.week, body=body)
    answer = CheckInAnswer(status_code=201 if created else 200, replayed=False,
                    response=CheckInPublic.model_validate(row).model_dump(mode="json"))
    if idempotency_key is not None:
        session.add(IdempotencyRecord(person_id=viewer.id, key=idempotency_key, request_hash=request_hash,
                                      status_code=answer.status_code, response=answer.response))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        if idempotency_key is None:
            raise Conflict("a concurrent write changed this check-in; retry") from None
        replay = find_replay(session, viewer.id, idempotency_key, request_hash)
        session.rollback()
        if replay is None:
            raise Conflict("a concurrent request is using this Idempotency-Key; retry") from None
        return replay
    return answer


def get_visible_checkin(session: Session, viewer: Person, checkin_id: int) -> CheckIn:
    row = session.get(CheckIn, checkin_id)
    if row is None or not can_see(session, viewer, row.person_id):
        raise NotFound("check-in not found")
    return row


def visible_checkin_of_week(session: Session, viewer: Person, person_id: int, week: str) -> CheckIn | None:
    """The person's check-in for ``week``, or None when there is none or the viewer may not see it."""
    if not can_see(session, viewer, person_id):
        return None
    return session.exec(select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.week == week)).first()


def list_visible_checkins(
    session: Session, viewer: Person, *, person_id: int | None = None,
    week_from: str | None = None, week_to: str | None = None, limit: int = 200, offset: int = 0,
) -> list[CheckIn]:
    """Check-ins the viewer may see, newest week first. ISO week strings sort correctly as text."""
    if person_id is not None:
        if not visible_among(session, viewer, {person_id}):
            return []
        q = select(CheckIn).where(CheckIn.person_id == person_id)
    else:
        q = select(CheckIn)
        if (scope := person_scope(session, viewer, CheckIn.person_id)) is not None:
            q = q.where(scope)
    if week_from:
        q = q.where(CheckIn.week >= week_from)
    if week_to:
        q = q.where(CheckIn.week <= week_to)
    q = q.order_by(col(CheckIn.week).desc(), CheckIn.person_id).offset(offset).limit(limit)
    return list(session.exec(q).all())


def delete_checkin(session: Session, viewer: Person, checkin_id: int) -> None:
    """Only the author or a founder deletes; the index removal goes through the outbox."""
    row = get_visible_checkin(session, viewer, checkin_id)
    if row.person_id != viewer.id and viewer.access != "founder":
        raise Forbidden("only the author or a founder may delete a check-in")
    # Idempotency replays hold a copy of the check-in's text: they go with it.
    for record in session.exec(select(IdempotencyRecord).where(IdempotencyRecord.person_id == row.person_id)).all():
        if isinstance(record.response, dict) and record.response.get("id") == checkin_id:
            session.delete(record)
    session.delete(row)
    enqueue_index(session, checkin_id, op="delete")


def latest_checkin_week(session: Session, person: Person) -> str | None:
    """The week of ``person``'s latest check-in, or None when they have filed none."""
    return session.exec(select(func.max(CheckIn.week)).where(CheckIn.person_id == person.id)).one()
