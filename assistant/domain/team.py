"""Who may see whom. Every permission decision in the product goes through here.

A member sees only themself; a manager sees themself and everyone reporting to them,
directly or through other managers; a founder sees everyone. Anything a viewer may not
see is reported as missing (404), never as forbidden, so existence does not leak.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from assistant.domain.models import Access, Person
from assistant.errors import NotFound


def reports_tree(session: Session, manager_id: int) -> set[int]:
    """Ids of everyone below ``manager_id`` in the reporting tree (not the manager)."""
    rows = session.exec(select(Person.id, Person.manager_id)).all()
    children: dict[int, list[int]] = {}
    for pid, mid in rows:
        if mid is not None:
            children.setdefault(mid, []).append(pid)
    seen: set[int] = set()
    stack = list(children.get(manager_id, []))
    while stack:  # iterative walk; a cycle in bad data cannot loop forever
        pid = stack.pop()
        if pid in seen or pid == manager_id:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return seen


def visible_person_ids(session: Session, viewer: Person) -> set[int]:
    """Every person id the viewer may see, themself included."""
    if viewer.access == Access.founder:
        return set(session.exec(select(Person.id)).all())
    visible = {viewer.id}
    if viewer.access == Access.manager:
        visible |= reports_tree(session, viewer.id)
    return visible


def visible_among(session: Session, viewer: Person, ids: set[int] | list[int]) -> set[int]:
    """The ids among ``ids`` the viewer may see (a founder's answer needs no query)."""
    if viewer.access == Access.founder:
        return set(ids)
    return visible_person_ids(session, viewer) & set(ids)


def person_scope(session: Session, viewer: Person, column: Any) -> Any:  # noqa: ANN401 - a SQL column and condition
    """"``column`` (a person id) is someone the viewer may see" as a SQL condition; None for a
    founder, who sees everyone (an IN over every id in the org costs the query, not the founder)."""
    if viewer.access == Access.founder:
        return None
    return col(column).in_(visible_person_ids(session, viewer))


def visible_people(session: Session, viewer: Person) -> dict[int, Person]:
    """Every person the viewer may see, themself included, by id."""
    ids = visible_person_ids(session, viewer)
    return {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids)).order_by(Person.id))}


def can_see(session: Session, viewer: Person, person_id: int) -> bool:
    if viewer.access == Access.founder or person_id == viewer.id:
        return True
    if viewer.access != Access.manager:
        return False
    return person_id in reports_tree(session, viewer.id)


def visible_person(session: Session, viewer: Person, person_id: int) -> Person:
    """The person, if the viewer may see them; otherwise NotFound."""
    person = session.get(Person, person_id)
    if person is None or not can_see(session, viewer, person_id):
        raise NotFound("person not found")
    return person


def person_by_email(session: Session, email: str) -> Person:
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise NotFound(f"no person with email {email!r}")
    return person


def visible_person_by_email(session: Session, viewer: Person, email: str) -> Person:
    try:
        person = person_by_email(session, email)
    except NotFound:
        raise NotFound("person not found") from None
    return visible_person(session, viewer, person.id)


def is_manager_of(session: Session, viewer: Person, person_id: int) -> bool:
    """True when the viewer is above the person (a founder counts as above everyone)."""
    if person_id == viewer.id:
        return False
    return can_see(session, viewer, person_id) and viewer.access != Access.member
