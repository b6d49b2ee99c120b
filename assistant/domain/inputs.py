"""Which assessments a write changes: every flush marks the inputs it touched, in its own transaction.

An assessment of a person is derived from their check-ins, 1:1s and goals, their reports'
check-ins and 1:1s (a manager's rhythm), and things any assessment may read: KPIs and their
values, the plan, the team's shape (who sees whom, names in blockers). So:
- a check-in touches its author and the author's manager;
- a 1:1 touches both people; a role goal its owner;
- anything else the assessment reads (KPIs, values, links, objectives, quarters, the company,
  people) touches the org, which every assessment's basis includes.
Touching gives the input a fresh random token (``InputToken``) and queues an ``assessment``
outbox row so the worker recomputes what is stored. It happens in the session's flush, so no
write path can forget it, and a bulk UPDATE/DELETE through the session touches the org.
Nothing here reads an assessment: ``assistant/assessment/stored.py`` compares the tokens.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from assistant.domain.models import (
    CheckIn,
    Company,
    InputToken,
    Kpi,
    KpiLink,
    KpiValue,
    Meeting,
    Objective,
    Outbox,
    Person,
    Quarter,
    RoleGoal,
    utcnow,
)

ORG = 0  # InputToken.person_id of the inputs every assessment reads
OUTBOX_ENTITY = "assessment"
ORG_WIDE = (Kpi, KpiValue, KpiLink, Objective, Quarter, Company, Person)
PERSONAL = (CheckIn, Meeting, RoleGoal)
WROTE = "cadence_wrote"  # session.info flag: this transaction flushed a write (see stored.py)
TOUCHED = "cadence_touched"  # session.info: the inputs this transaction has touched


def _people_of(obj: object) -> set[int]:
    if isinstance(obj, CheckIn):
        return {obj.person_id}
    if isinstance(obj, Meeting):
        return {obj.manager_id, obj.report_id}
    if isinstance(obj, RoleGoal):
        return {obj.person_id}
    return set()


def touch(conn: Connection, person_ids: Iterable[int], *, queue: bool = True) -> None:
    """Give these inputs (person ids, or ORG) fresh tokens; queue their recomputation."""
    ids = sorted({i for i in person_ids if i is not None})  # one lock order: no deadlock between writers
    if not ids:
        return
    rows = [{"person_id": i, "token": uuid.uuid4().hex} for i in ids]
    dialect = conn.dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert if dialect == "sqlite" else None
    if make is None:
        raise NotImplementedError(f"input tokens need an upsert on {dialect}")
    stmt = make(InputToken).values(rows)
    conn.execute(stmt.on_conflict_do_update(index_elements=["person_id"], set_={"token": stmt.excluded.token}))
    if queue:
        now = utcnow()
        conn.execute(insert(Outbox), [{"op": "upsert", "entity": OUTBOX_ENTITY, "entity_id": i, "created_at": now,
                                       "attempts": 0} for i in ids])


def _changed(session: Session) -> tuple[bool, set[int]]:
    org, people = False, set()
    for obj in (*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))):
        if isinstance(obj, ORG_WIDE):
            org = True
        elif isinstance(obj, PERSONAL):
            people |= _people_of(obj)
            if obj in session.dirty:  # moved to someone else: the old owner's inputs changed too
                people |= {p for attr in ("person_id", "manager_id", "report_id") if hasattr(obj, attr)
                           for p in inspect(obj).attrs[attr].history.deleted if p is not None}
    return org, people


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: object) -> None:
    org, people = _changed(session)
    if not org and not people:
        return
    session.info[WROTE] = True
    conn = session.connection()
    if people:
        managers = conn.execute(select(Person.manager_id).where(Person.id.in_(sorted(people)))).scalars()
        people |= {m for m in managers if m is not None}
    _touch_once(session, people | ({ORG} if org else set()))


def _touch_once(session: Session, ids: set[int]) -> None:
    """Touch what this transaction has not touched yet: one new token and one queued row per
    input and transaction, however many flushes an import takes."""
    done = session.info.setdefault(TOUCHED, set())
    if ids - done:
        touch(session.connection(), ids - done)
        done |= ids


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    classes = {m.class_ for m in state.all_mappers}
    if classes & {*ORG_WIDE, *PERSONAL}:
        state.session.info[WROTE] = True
        _touch_once(state.session, {ORG})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session: Session) -> None:
    session.info.pop(WROTE, None)
    session.info.pop(TOUCHED, None)
