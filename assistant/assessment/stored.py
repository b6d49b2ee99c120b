"""Assessments computed when their inputs change, read when drafting.

A stored assessment (``StoredAssessment``) is the JSON of ``assess(person, week, viewer)``
with the basis it was computed from: the code's version, the clock's date, the org's input
token and the person's (``domain/inputs.py`` gives an input a fresh token in every write
that changes it). A read uses the stored one only while that whole basis still holds, so a
draft never rests on an assessment older than its inputs; otherwise it computes, stores and
returns (the first read after a change). The outbox worker recomputes what writes made stale
(``refresh``), and seeds the week in force for the person as they and their manager see it,
so reads normally find it ready; a stale one of another week is dropped rather than kept
current (a read computes it again). SQL remains the record: ``rebuild`` recomputes the stored
ones from it (``cadence reindex``).

The basis is read before the inputs, so whatever an assessment was computed from is at least
as new as the tokens it is stored with: a write that lands meanwhile leaves it stale, never
the reverse.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import TypeAdapter
from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.assessment.build import assess
from assistant.assessment.model import Assessment
from assistant.core.db import begin_write, get_engine
from assistant.domain.calendar import current_week, today
from assistant.domain.inputs import ORG, OUTBOX_ENTITY, WROTE
from assistant.domain.models import InputToken, Outbox, Person, StoredAssessment, utcnow
from assistant.kpi_audit.rules import KpiAudit
from assistant.kpi_audit.stored import audit_visible
from assistant.settings import get_settings

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent.parent
# What an assessment's result depends on besides the data: a change to any of these files is a
# changed rule, and every stored assessment computed under the old one is stale.
CODE_PARTS = ("assessment", "analysis", "kpi_audit", "domain")
KNOWLEDGE = PACKAGE.parent / "knowledge" / "kpi_catalog.yaml"
STORE_BUSY_MS = 2000  # a read that computed waits this long for SQLite's write lock, then serves unstored
REFRESH_BATCH = 200  # assessment outbox rows per refresh
AUDIT_PREFIX = "audit@"  # a stored row's week for the goals draft's audit as of a date, not an ISO week
T = TypeVar("T")


@lru_cache
def code_version() -> str:
    """A hash of the source the assessment is computed by, the KPI catalog and the embeddings used."""
    h = hashlib.sha256()
    for part in CODE_PARTS:
        for path in sorted((PACKAGE / part).rglob("*.py")):
            h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    if KNOWLEDGE.is_file():
        h.update(KNOWLEDGE.read_bytes())
    s = get_settings()
    h.update(f"{s.embeddings_base_url}\0{s.embeddings_model}".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Basis:
    code: str
    day: date
    org_token: str
    person_token: str


def basis_of(session: Session, person_id: int) -> Basis:
    tokens = dict(session.exec(select(InputToken.person_id, InputToken.token)
                               .where(col(InputToken.person_id).in_([ORG, person_id]))).all())
    return Basis(code_version(), today(), tokens.get(ORG, ""), tokens.get(person_id, ""))


def _row_basis(row: StoredAssessment) -> Basis:
    return Basis(row.code, row.day, row.org_token, row.person_token)


def _stored(session: Session, person_id: int, week: str, viewer_id: int) -> StoredAssessment | None:
    return session.exec(select(StoredAssessment).where(
        StoredAssessment.person_id == person_id, StoredAssessment.week == week,
        StoredAssessment.viewer_id == viewer_id)).first()


def is_current(session: Session, person_id: int, week: str, viewer_id: int) -> bool:
    """Whether a stored assessment of (person, week, viewer) exists and its basis still holds."""
    row = _stored(session, person_id, week, viewer_id)
    return row is not None and _row_basis(row) == basis_of(session, person_id)


def assessment_for(session: Session, person: Person, week: str | None = None, *,
                   viewer: Person | None = None) -> Assessment:
    """The assessment of ``person``'s ``week`` (default: the clock's) as ``viewer`` (default: the
    person) may know it: the stored one while current, else computed now and stored."""
    viewer = viewer or person
    week = week or current_week()
    return _read_through(session, person.id, week, viewer.id, lambda: assess(session, person, week, viewer=viewer),
                         Assessment.model_validate_json, lambda a: a.model_dump_json())


AUDITS = TypeAdapter(list[KpiAudit])


def audits_for(session: Session, owner: Person, *, viewer: Person, today: date) -> list[KpiAudit]:
    """``audit_visible`` of ``owner``'s KPIs as ``viewer`` sees them on ``today``, kept like an
    assessment (the goals draft's audit: 75% of a goals draft at 1,000 people when computed)."""
    return _read_through(session, owner.id, f"{AUDIT_PREFIX}{today.isoformat()}", viewer.id,
                         lambda: audit_visible(session, viewer, owner_id=owner.id, today=today),
                         AUDITS.validate_json, lambda v: AUDITS.dump_json(v).decode())


def _read_through(session: Session, person_id: int, week: str, viewer_id: int, compute: Callable[[], T],
                  load: Callable[[str], T], dump: Callable[[T], str]) -> T:
    """The stored value of (person, week, viewer) while its basis holds, else ``compute()``, stored."""
    basis = basis_of(session, person_id)
    row = _stored(session, person_id, week, viewer_id)
    if row is not None and _row_basis(row) == basis:
        return load(row.data)
    started = time.perf_counter()
    value = compute()
    ms = (time.perf_counter() - started) * 1000
    if _may_store(session):
        try:
            with Session(session.get_bind()) as writer:
                with _short_lock_wait(writer):
                    _upsert(writer, [_row(person_id, week, viewer_id, basis, dump(value), ms)])
                    writer.commit()
        except Exception as exc:  # noqa: BLE001 - a busy database costs the next reader a recompute, nothing more
            log.info("%s of person %s computed but not stored: %s", week, person_id, exc)
    return value


def _may_store(session: Session) -> bool:
    """Whether a read may store what it computed, from a connection of its own. Not when the
    caller's transaction has written (its uncommitted inputs must not be stored as current, and on
    SQLite it holds the write lock), nor for an in-memory SQLite database (one shared connection)."""
    if session.info.get(WROTE):
        return False
    url = session.get_bind().url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


@contextmanager
def _short_lock_wait(session: Session) -> Iterator[None]:
    """A write that waits at most STORE_BUSY_MS for SQLite's lock (the engine's own wait is 30 s)."""
    sqlite_db = session.get_bind().dialect.name == "sqlite"
    conn = session.connection()  # not begun yet: set the wait before BEGIN IMMEDIATE asks for the lock
    if sqlite_db:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={STORE_BUSY_MS}")
    try:
        yield
    finally:
        if sqlite_db:
            session.connection().exec_driver_sql("PRAGMA busy_timeout=30000")


def _row(person_id: int, week: str, viewer_id: int, basis: Basis, data: str, ms: float) -> dict:
    return {"person_id": person_id, "week": week, "viewer_id": viewer_id, "code": basis.code, "day": basis.day,
            "org_token": basis.org_token, "person_token": basis.person_token, "data": data,
            "compute_ms": round(ms, 2), "computed_at": utcnow()}


def _upsert(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(StoredAssessment).values(rows)
    fields = ("code", "day", "org_token", "person_token", "data", "compute_ms", "computed_at")
    session.connection().execute(stmt.on_conflict_do_update(
        index_elements=["person_id", "week", "viewer_id"], set_={f: stmt.excluded[f] for f in fields}))


# ---------------------------------------------------------------- the worker's side
Key = tuple[int, str, int]  # (person_id, week, viewer_id)


def _seeds(session: Session, person_ids: set[int]) -> set[Key]:
    """The week in force of each person, as they see it and as their manager does: what the
    next check-in feedback, My week, the Team page and the manager's brief read."""
    week = current_week()
    out: set[Key] = set()
    for pid, manager_id in session.exec(select(Person.id, Person.manager_id)
                                        .where(col(Person.id).in_(sorted(person_ids)))).all():
        out.add((pid, week, pid))
        if manager_id is not None:
            out.add((pid, week, manager_id))
    return out


def stale_keys(session: Session) -> list[Key]:
    """Every stored assessment whose basis no longer holds, the week in force first."""
    tokens = dict(session.exec(select(InputToken.person_id, InputToken.token)).all())
    code, day, org = code_version(), today(), tokens.get(ORG, "")
    rows = session.exec(select(StoredAssessment.person_id, StoredAssessment.week, StoredAssessment.viewer_id,
                               StoredAssessment.code, StoredAssessment.day, StoredAssessment.org_token,
                               StoredAssessment.person_token)).all()
    stale = [(p, w, v) for p, w, v, c, d, o, t in rows
             if (c, d, o, t) != (code, day, org, tokens.get(p, ""))]
    return sorted(stale, key=lambda k: k[1], reverse=True)


def compute(engine: Engine, keys: Iterable[Key], *, only_stale: bool = True) -> dict:
    """Compute and store these assessments (those not current, unless ``only_stale`` is False).
    Returns {"rows": computed, "checked": keys looked at, "seconds", "ms_max"}."""
    started = time.perf_counter()
    keys = list(dict.fromkeys(keys))
    computed, worst = 0, 0.0
    with Session(engine, expire_on_commit=False) as session:
        people = {p.id: p for p in session.exec(select(Person).where(
            col(Person.id).in_(sorted({k[0] for k in keys} | {k[2] for k in keys})))).all()}
        session.commit()
        for pid, week, vid in keys:
            person, viewer = people.get(pid), people.get(vid)
            if person is None or viewer is None:
                continue  # deleted since: its rows go with the next rebuild
            basis = basis_of(session, pid)
            row = _stored(session, pid, week, vid)
            if only_stale and row is not None and _row_basis(row) == basis:
                session.commit()
                continue
            t0 = time.perf_counter()
            a = assess(session, person, week, viewer=viewer)
            ms = (time.perf_counter() - t0) * 1000
            session.commit()  # end the read: the write below takes SQLite's lock briefly
            with Session(engine) as writer:
                begin_write(writer)
                _upsert(writer, [_row(pid, week, vid, basis, a.model_dump_json(), ms)])
                writer.commit()
            computed, worst = computed + 1, max(worst, ms)
    return {"rows": computed, "checked": len(keys), "seconds": round(time.perf_counter() - started, 3),
            "ms_max": round(worst, 1)}


def refresh(engine: Engine | None = None, *, limit: int | None = None) -> dict:
    """The worker's step: take the queued ``assessment`` outbox rows, compute what they seed and
    every stale stored assessment of the week in force (at most ``limit``), then remove the rows
    taken. A stale one of another week is deleted instead: it is computed again if someone asks
    (a past week's brief), so the work per change stays the size of one week however long the
    history, and rows nobody reads do not pile up."""
    engine = engine or get_engine()
    week = current_week()
    with Session(engine) as session:
        rows = session.exec(select(Outbox.id, Outbox.entity_id).where(Outbox.entity == OUTBOX_ENTITY)
                            .order_by(col(Outbox.id)).limit(REFRESH_BATCH)).all()
        people = {pid for _, pid in rows if pid != ORG}
        stale = stale_keys(session)
        keys = [k for k in stale if k[1] == week] + (sorted(_seeds(session, people)) if people else [])
        session.rollback()
    _forget(engine, [k for k in stale if k[1] != week])
    if limit is not None:
        keys = keys[:limit]
    out = compute(engine, keys)
    if rows and (limit is None or len(keys) < limit):
        with Session(engine) as session:
            begin_write(session)
            session.execute(delete(Outbox).where(col(Outbox.id).in_([r for r, _ in rows])))
            session.commit()
    out["outbox_rows"] = len(rows)
    return out


def _forget(engine: Engine, keys: list[Key]) -> None:
    if not keys:
        return
    with Session(engine) as session:
        begin_write(session)
        for pid, week, vid in keys:
            session.execute(delete(StoredAssessment).where(
                StoredAssessment.person_id == pid, StoredAssessment.week == week, StoredAssessment.viewer_id == vid))
        session.commit()


def refresh_all(engine: Engine | None = None) -> dict:
    """``refresh`` until no assessment outbox rows remain."""
    engine = engine or get_engine()
    total = {"rows": 0, "checked": 0, "seconds": 0.0, "ms_max": 0.0, "outbox_rows": 0}
    while True:
        out = refresh(engine)
        for k in ("rows", "checked", "seconds", "outbox_rows"):
            total[k] += out[k]
        total["ms_max"] = max(total["ms_max"], out["ms_max"])
        with Session(engine) as session:
            left = session.exec(select(func.count()).select_from(Outbox)
                                .where(Outbox.entity == OUTBOX_ENTITY)).one()
        if not left or not out["outbox_rows"]:
            total["seconds"] = round(total["seconds"], 3)
            return total


def rebuild(engine: Engine | None = None) -> dict:
    """Recompute from SQL every stored assessment of the week in force and everyone's week in
    force as they and their manager see it; other weeks' are dropped (a read computes them
    again). Queued assessment rows are covered and removed."""
    engine = engine or get_engine()
    week = current_week()
    with Session(engine) as session:
        keys = [tuple(k) for k in session.exec(select(StoredAssessment.person_id, StoredAssessment.week,
                                                      StoredAssessment.viewer_id)
                                               .where(StoredAssessment.week == week)).all()]
        mark = session.exec(select(func.max(Outbox.id)).where(Outbox.entity == OUTBOX_ENTITY)).one() or 0
        keys += sorted(_seeds(session, set(session.exec(select(Person.id)).all())))
        session.rollback()
    with Session(engine) as session:
        begin_write(session)
        session.execute(delete(StoredAssessment))
        session.commit()
    out = compute(engine, keys, only_stale=False)
    with Session(engine) as session:
        begin_write(session)
        session.execute(delete(Outbox).where(Outbox.entity == OUTBOX_ENTITY, col(Outbox.id) <= mark))
        session.commit()
    return out
