"""People on the org chart, kept by founders: adding someone, changing their manager, role
or access, and removing them with everything written by or about them.

Adding and changing keep the chart a tree the permission rules can read (``domain.team``):
a manager is a manager or a founder, nobody reports to themself or to someone below them,
a member has no reports, and a founder does not change their own access (the org would lose
its way in), as they do not delete themself.

On removal, SQL is purged in the caller's transaction; the search index follows through the outbox
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
from assistant.domain.meetings import delete_meetings_of
from assistant.domain.models import (
    Access,
    ApiToken,
    CheckIn,
    Draft,
    IdempotencyRecord,
    Kpi,
    KpiValue,
    Person,
    ReportImport,
    RoleGoal,
)
from assistant.domain.schemas import PersonCreate, PersonUpdate
from assistant.domain.team import can_see, reports_tree
from assistant.errors import Forbidden, InvalidInput, NotFound


def everyone(session: Session, viewer: Person) -> list[Person]:
    """Every person, by name: the founders' people page."""
    _founder(viewer, "see the whole company's people list")
    return list(session.exec(select(Person).order_by(Person.name, Person.id)))


def removal_preview(session: Session, viewer: Person, person: Person) -> tuple[Person | None, list[Person]]:
    """Who a removal hands ``person``'s reports to, and which reports move."""
    _founder(viewer, "remove people")
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    reports = list(session.exec(select(Person).where(Person.manager_id == person.id).order_by(Person.name)))
    return manager, reports


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
    counts["meetings"] = delete_meetings_of(session, person_id)  # with their agendas, actions, private notes
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
            "reportimport", "agendaitem", "actionitem", "privatenote"}


def _delete_other_references(session: Session, person_id: int) -> None:
    """Rows of tables added later that point at the person: deleted, so the purge stays whole
    (and the foreign key does not refuse the delete) until someone handles them above."""
    for table in SQLModel.metadata.sorted_tables:
        if table.name in _HANDLED:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "person":
                session.execute(table.delete().where(fk.parent == person_id))


def _founder(viewer: Person, what: str) -> None:
    if viewer.access != Access.founder:
        raise Forbidden(f"only a founder may {what}")


def _check_manager(session: Session, person_id: int | None, manager_id: int | None) -> Person | None:
    """The manager row for ``manager_id``, if it may manage ``person_id`` (None: a new person)."""
    if manager_id is None:
        return None
    manager = session.get(Person, manager_id)
    if manager is None:
        raise InvalidInput("manager: no such person")
    if manager.access == Access.member:
        raise InvalidInput(f"manager: {manager.name} is a member; make them a manager first")
    if manager_id == person_id:
        raise InvalidInput("manager: a person cannot manage themself")
    if person_id is not None and manager_id in reports_tree(session, person_id):
        raise InvalidInput(f"manager: {manager.name} reports to this person, so cannot be their manager")
    return manager


def create_person(session: Session, viewer: Person, body: PersonCreate) -> Person:
    """Add someone to the org (founders only); the caller commits. Their email must be new."""
    _founder(viewer, "add a person")
    email = body.email.lower()
    if session.exec(select(Person.id).where(Person.email == email)).first() is not None:
        raise InvalidInput(f"email: {email} already belongs to someone in the org")
    _check_manager(session, None, body.manager_id)
    person = Person(email=email, name=body.name, role=body.role, access=body.access.value,
                    manager_id=body.manager_id)
    session.add(person)
    session.flush()
    return person


def update_person(session: Session, viewer: Person, person_id: int, body: PersonUpdate) -> Person:
    """Change a person's name, role, access or manager (the fields ``body`` sets; founders only).
    The caller commits."""
    _founder(viewer, "change a person")
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("person not found")
    fields = body.model_dump(include=body.model_fields_set)
    if "manager_id" in fields:
        _check_manager(session, person.id, fields["manager_id"])
    access = fields.get("access")
    if access is not None and access != person.access:
        if person.id == viewer.id:
            raise Forbidden("a founder cannot change their own access; ask another founder")
        if access == Access.member and session.exec(select(Person.id).where(Person.manager_id == person.id)).first():
            raise InvalidInput(f"access: people report to {person.name}; give them another manager first")
    for name, value in fields.items():
        if value is None and name != "manager_id":
            continue  # an omitted text field keeps what it was
        setattr(person, name, value.value if isinstance(value, Access) else value)
    session.add(person)
    session.flush()
    return person
