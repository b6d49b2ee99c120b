"""Weekly check-ins: the write path (with its outbox row) and visible reads."""

from __future__ import annotations

from sqlmodel import Session, col, select

from assistant.domain.models import CheckIn, IdempotencyRecord, Kpi, Outbox, Person, utcnow
from assistant.domain.schemas import CheckInWrite
from assistant.domain.team import can_see, visible_person_ids
from assistant.errors import Forbidden, InvalidInput, NotFound


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


def get_visible_checkin(session: Session, viewer: Person, checkin_id: int) -> CheckIn:
    row = session.get(CheckIn, checkin_id)
    if row is None or not can_see(session, viewer, row.person_id):
        raise NotFound("check-in not found")
    return row


def list_visible_checkins(
    session: Session, viewer: Person, *, person_id: int | None = None,
    week_from: str | None = None, week_to: str | None = None, limit: int = 200, offset: int = 0,
) -> list[CheckIn]:
    """Check-ins the viewer may see, newest week first. ISO week strings sort correctly as text."""
    visible = visible_person_ids(session, viewer)
    if person_id is not None:
        if person_id not in visible:
            return []
        visible = {person_id}
    q = select(CheckIn).where(col(CheckIn.person_id).in_(visible))
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
