"""Keeping the check-in index current: the outbox drain and the processes that run it.

A check-in write adds an outbox row in its own SQL transaction; a drain applies the rows to
Chroma and deletes them, or records the failure on them and leaves them for the next try.
Exactly one drainer per deployment: :class:`IndexerThread` inside the server for the
embedded default, or ``cadence indexer`` (:func:`run_indexer`) beside a Chroma server. Both
hold the drain lock (lease.py) while they drain, so a second server process, however it was
started, leaves the outbox to the first. After each index drain the same drainer recomputes
the stored assessments the drained writes made stale (``assessment.stored.refresh``).
"""

from __future__ import annotations

import logging
import os
import threading
import time

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.assessment import stored
from assistant.core.db import begin_write, get_engine
from assistant.domain.models import CheckIn, Outbox
from assistant.retrieval import store
from assistant.retrieval.index import index_checkins, probe
from assistant.retrieval.lease import DrainLock, drain_lock

log = logging.getLogger(__name__)
ENTITY = "checkin"  # the outbox rows this drain indexes; "assessment" rows go to stored.refresh


def drain_outbox(engine: Engine | None = None, limit: int = 500) -> int:
    """Apply up to ``limit`` outbox rows to the index; returns how many were applied.

    SQL decides the result, not the row's op: a check-in that exists is (re)indexed, one
    that is gone is removed, so rows may be coalesced, replayed or reordered safely.
    Never raises when Chroma or the embedder fails: each row's attempts and last_error
    are recorded and the rows stay for the next drain.
    """
    with _drain_lock:  # two drains in one process could write an older version last
        engine = engine or get_engine()
        applied = _drain(engine, limit)
        _refresh_assessments(engine)
        return applied


def _refresh_assessments(engine: Engine, *, until_done: bool = False) -> None:
    """Recompute the assessments the drained writes made stale (assessment/stored.py). A failure
    is logged and retried on the next drain: the queued rows stay, and a read computes meanwhile."""
    try:
        (stored.refresh_all if until_done else stored.refresh)(engine)
    except Exception:  # noqa: BLE001 - the index drain must outlive a bad recompute
        log.exception("assessment refresh failed; the queued rows stay for the next drain")


_drain_lock = threading.Lock()


def _drain(engine: Engine, limit: int) -> int:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(select(Outbox).where(Outbox.entity == ENTITY)
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
    with _drain_lock:
        _refresh_assessments(engine or get_engine(), until_done=True)
    return total


def drain_if_free(engine: Engine | None = None) -> int | None:
    """Drain everything now unless another process holds the drain lock (a running server):
    the rows applied, or None when it was left to that process."""
    lock = drain_lock(engine or get_engine())
    if not lock.acquire():
        return None
    try:
        return drain_all(engine)
    finally:
        lock.release()


class IndexerThread:
    """The in-process indexer for the embedded default: drains every ``interval`` seconds.

    It first checks the index files in a child process (:func:`probe`) and keeps this
    process from opening them (:func:`store.mark_unusable`) until they pass; a failed check
    is retried with backoff, so a rebuilt index is picked up. Check-ins keep saving: their
    outbox rows wait in SQL.
    """

    MAX_BACKOFF = 300.0

    def __init__(self, engine: Engine | None = None, interval: float = 5.0, lock: DrainLock | None = None) -> None:
        self.engine = engine
        self.interval = interval
        self.drained = 0  # outbox rows this process applied
        self._lock = lock
        self._draining = False
        self._detail = "checking the index"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cadence-indexer", daemon=True)

    def state(self) -> dict:
        """For /api/health: whether this process drains, and if not, who does."""
        return {"mode": "thread", "draining": self._draining, "detail": self._detail, "drained": self.drained,
                "pid": os.getpid()}

    def _holds_lock(self) -> bool:
        """Whether this process drains now: it keeps the lock once it has it, and tries for it
        each interval while another process holds it (that one may stop)."""
        if self._lock is None:
            self._lock = drain_lock(self.engine or get_engine())
        if self._lock.held or self._lock.acquire():
            if not self._draining:
                log.info("this process drains the index outbox (%s)", self._lock.where)
            self._draining, self._detail = True, f"this process drains the outbox ({self._lock.where})"
            return True
        if self._draining or self._detail.startswith("checking"):
            log.warning("another process holds %s and drains the outbox; this one does not", self._lock.where)
        self._draining = False
        self._detail = (f"another process holds {self._lock.where} and drains the outbox; "
                        "this one takes over if it stops")
        return False

    def start(self) -> IndexerThread:
        store.mark_unusable("index check in progress")
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        if self._lock is not None and not self._thread.is_alive():
            self._lock.release()
        self._draining = False
        store.mark_unusable(None)

    def _checked(self, backoff: float) -> float | None:
        """None once the index passed its check; else the seconds to wait before the next one."""
        problem = probe()
        store.mark_unusable(problem)
        if problem is None:
            return None
        self._detail = f"the index failed its check: {problem}"
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
                if self._holds_lock():
                    self.drained += drain_all(self.engine)
            except Exception:  # noqa: BLE001 - the thread must outlive a bad drain; rows stay queued
                log.exception("indexer drain failed; retrying in %.0f s", self.interval)
            self._stop.wait(self.interval)


def run_indexer(engine: Engine | None = None, *, interval: float = 2.0, once: bool = False) -> int:
    """The ``cadence indexer`` loop (one per deployment, beside a Chroma server): it drains
    while it holds the drain lock, and waits for it while another indexer holds it."""
    lock = drain_lock(engine or get_engine())
    total = 0
    waiting = False
    try:
        while True:
            if lock.held or lock.acquire():
                waiting = False
                total += drain_all(engine)
            elif not waiting:
                waiting = True
                log.warning("another process holds %s and drains the outbox; waiting for it", lock.where)
            if once:
                return total
            time.sleep(interval)
    finally:
        lock.release()
