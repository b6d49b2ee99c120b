"""Keeping the check-in index current: the outbox drain and the processes that run it.

A check-in write adds an outbox row in its own SQL transaction; a drain applies the rows to
Chroma and deletes them, or records the failure on them and leaves them for the next try.
Exactly one drainer per deployment: :class:`IndexerThread` inside the server for the
embedded default, or ``cadence indexer`` (:func:`run_indexer`) beside a Chroma server.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.core.db import begin_write, get_engine
from assistant.domain.models import CheckIn, Outbox
from assistant.retrieval import store
from assistant.retrieval.index import index_checkins, probe

log = logging.getLogger(__name__)


def drain_outbox(engine: Engine | None = None, limit: int = 500) -> int:
    """Apply up to ``limit`` outbox rows to the index; returns how many were applied.

    SQL decides the result, not the row's op: a check-in that exists is (re)indexed, one
    that is gone is removed, so rows may be coalesced, replayed or reordered safely.
    Never raises when Chroma or the embedder fails: each row's attempts and last_error
    are recorded and the rows stay for the next drain.
    """
    with _drain_lock:  # two drains in one process could write an older version last
        return _drain(engine or get_engine(), limit)


_drain_lock = threading.Lock()


def _drain(engine: Engine, limit: int) -> int:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(select(Outbox).where(Outbox.entity == "checkin")
                            .order_by(col(Outbox.id)).limit(limit)).all()
        if not rows:
            return 0
        row_ids = [r.id for r in rows]
        entity_ids = sorted({r.entity_id for r in rows})
        live = session.exec(select(CheckIn).where(col(CheckIn.id).in_(entity_ids))).all()
        session.commit()  # end the read now: SQLite's BEGIN IMMEDIATE holds the write lock
    try:
        index_checkins(live, delete_first=entity_ids)
    except Exception as exc:  # noqa: BLE001 - any index failure: SQL keeps the work, retried later
        log.warning("index drain failed, %d outbox rows kept: %s", len(row_ids), exc)
        with Session(engine) as session:
            begin_write(session)  # read-then-write: take the write lock up front
            for row in session.exec(select(Outbox).where(col(Outbox.id).in_(row_ids))).all():
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                session.add(row)
            session.commit()
        return 0
    with Session(engine) as session:
        begin_write(session)
        for row in session.exec(select(Outbox).where(col(Outbox.id).in_(row_ids))).all():
            session.delete(row)
        session.commit()
    return len(row_ids)


def drain_all(engine: Engine | None = None, *, batch: int = 500) -> int:
    """Drain until empty or until a drain makes no progress (Chroma down)."""
    total = 0
    while applied := drain_outbox(engine, limit=batch):
        total += applied
    return total


class IndexerThread:
    """The in-process indexer for the embedded default: drains every ``interval`` seconds.

    It first checks the index files in a child process (:func:`probe`) and keeps this
    process from opening them (:func:`store.mark_unusable`) until they pass; a failed check
    is retried with backoff, so a rebuilt index is picked up. Check-ins keep saving: their
    outbox rows wait in SQL.
    """

    MAX_BACKOFF = 300.0

    def __init__(self, engine: Engine | None = None, interval: float = 5.0) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cadence-indexer", daemon=True)

    def start(self) -> IndexerThread:
        store.mark_unusable("index check in progress")
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        store.mark_unusable(None)

    def _checked(self, backoff: float) -> float | None:
        """None once the index passed its check; else the seconds to wait before the next one."""
        problem = probe()
        store.mark_unusable(problem)
        if problem is None:
            return None
        log.error("search index unusable, check-ins keep saving; next check in %.0f s: %s", backoff, problem)
        return backoff

    def _run(self) -> None:
        backoff = self.interval
        checked = False
        while not self._stop.is_set():
            if not checked:
                wait = self._checked(backoff)
                if wait is not None:
                    backoff = min(backoff * 2, self.MAX_BACKOFF)
                    self._stop.wait(wait)
                    continue
                checked = True
            try:
                drain_all(self.engine)
            except Exception:  # noqa: BLE001 - the thread must outlive a bad drain; rows stay queued
                log.exception("indexer drain failed; retrying in %.0f s", self.interval)
            self._stop.wait(self.interval)


def run_indexer(engine: Engine | None = None, *, interval: float = 2.0, once: bool = False) -> int:
    """The ``cadence indexer`` loop (one per deployment, beside a Chroma server)."""
    total = 0
    while True:
        total += drain_all(engine)
        if once:
            return total
        time.sleep(interval)
