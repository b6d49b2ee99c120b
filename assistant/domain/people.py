"""Removing a person and everything written by or about them (founders only).

SQL is purged in the caller's transaction; the search index follows through the outbox
(one ``delete`` row per check-in, written in the same transaction), so a crash between the
two leaves work queued, never text orphaned in the index without a record of it.

What goes: their check-ins, the values of the KPIs they own, their tokens, every draft about
them or requested by them, their 1:1s (either side), their goals and their idempotency
records (those hold copies of check-in responses). What stays: the KPI definitions they
owned (unassigned, kept under their role, so the catalogue and guardrails hold) and their
reports, who move up to the deleted person's manager.

Chroma keeps deleted documents in its files until compaction; the README's "Deleting data"
section says how to purge them completely (reindex into a fresh collection).
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, SQLModel, col, or_, select

from assistant.domain.checkins import enqueue_index
from assistant.domain.models import (
    Access,
    ApiToken,
    CheckIn,
    Draft,
    IdempotencyRecord,
    Kpi,
    KpiValue,
    Meeting,
    Person,
    ReportImport,
    RoleGoal,
)
from assistant.domain.team import can_see
from assistant.errors import Forbidden, NotFound


def delete_person(session: Session, viewer: Person, person_id: int) -> dict[str, int]:
    """Delete ``person_id`` and their data; returns counts per kind. The caller commits.

    Someone the viewer may not see is missing (404); a visible person deleted by anyone but
    a founder, or a founder deleting themself (the org would lose its way in), is 403.
    """
    person = session.get(Person, person_id)
    if person is None or not can_see(session, viewer, person_id):
        raise NotFound("person not found")
    if viewer.access != Access.founder:
        raise Forbidden("only a founder may delete a person")
    if person.id == viewer.id:
        raise Forbidden("a founder cannot delete themself; ask another founder")

    counts: dict[str, int] = {}
    checkin_ids = list(session.exec(select(CheckIn.id).where(CheckIn.person_id == person_id)).all())
    for checkin_id in checkin_ids:
        enqueue_index(session, checkin_id, op="delete")
    counts["checkins"] = _delete(session, delete(CheckIn).where(col(CheckIn.person_id) == person_id))

    kpi_ids = list(session.exec(select(Kpi.id).where(Kpi.owner_id == person_id)).all())
    counts["kpi_values"] = _delete(session, delete(KpiValue).where(col(KpiValue.kpi_id).in_(kpi_ids))) \
        if kpi_ids else 0
    session.execute(update(Kpi).where(col(Kpi.owner_id) == person_id)
                    .values(owner_id=None, role=person.role))
    counts["tokens"] = _delete(session, delete(ApiToken).where(col(ApiToken.person_id) == person_id))
    counts["drafts"] = _delete(session, delete(Draft).where(
        or_(col(Draft.subject_id) == person_id, col(Draft.requested_by_id) == person_id)))
    counts["meetings"] = _delete(session, delete(Meeting).where(
        or_(col(Meeting.manager_id) == person_id, col(Meeting.report_id) == person_id)))
    counts["goals"] = _delete(session, delete(RoleGoal).where(col(RoleGoal.person_id) == person_id))
    counts["idempotency_records"] = _delete(
        session, delete(IdempotencyRecord).where(col(IdempotencyRecord.person_id) == person_id))
    session.execute(update(Person).where(col(Person.manager_id) == person_id)
                    .values(manager_id=person.manager_id))
    # A report import stays (the org's values came from it); only who ran it is forgotten.
    session.execute(update(ReportImport).where(col(ReportImport.person_id) == person_id).values(person_id=None))
    _delete_other_references(session, person_id)
    session.execute(delete(Person).where(col(Person.id) == person_id))
    session.expunge_all()  # identity-map copies of deleted rows must not be flushed back
    return counts


def _delete(session: Session, statement) -> int:  # noqa: ANN001 - a SQLAlchemy Delete
    return session.execute(statement).rowcount or 0


_HANDLED = {"person", "kpi", "checkin", "apitoken", "draft", "meeting", "rolegoal", "idempotencyrecord",
            "reportimport"}


def _delete_other_references(session: Session, person_id: int) -> None:
    """Rows of tables added later that point at the person: deleted, so the purge stays whole
    (and the foreign key does not refuse the delete) until someone handles them above."""
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _HANDLED:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "person":
                session.execute(table.delete().where(fk.parent == person_id))
