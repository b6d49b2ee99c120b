"""Check-ins into Chroma: documents, the outbox drain, full reindex and health.

One document per non-empty check-in text field (wins, priorities, blockers), id
``checkin:<id>:<field>``, not one per check-in. Why: a query such as "supplier delays" is
about one field, and a blocker sentence embedded alone scores far higher than the same
sentence averaged with a week's wins and plans (mean pooling dilutes it; MiniLM also
truncates long inputs). Search folds field hits back into one hit per check-in. The first
document of each check-in carries ``primary=True`` so the index can be counted in
check-ins for parity with SQL.

Metadata: person_id, manager_ids (chain, nearest first), week (ISO), checkin_id, field.
Access control never trusts the stored chain (it goes stale when people move teams):
search filters on person_id against who the viewer may see in SQL now.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.core.db import begin_write, get_engine
from assistant.core.embeddings import get_embedder
from assistant.domain.checkins import enqueue_index as enqueue_checkin  # noqa: F401 (re-exported)
from assistant.domain.models import CheckIn, Outbox, Person, utcnow
from assistant.retrieval import playbook, store
from assistant.settings import get_settings

log = logging.getLogger(__name__)

FIELDS = ("blockers", "wins", "priorities")  # metric statuses are structured facts read from
# SQL; as text ("ppc-tacos on track") they are identical week to week and crowd out real hits
LABELS = {"wins": "Wins", "priorities": "Priorities", "blockers": "Blockers", "metrics": "Metric check"}
MEMO_SIZE = 65_536  # distinct texts whose vectors a reindex remembers (~100 MB as float32)
BATCH = 64  # check-ins per reindex step (~190 texts): fills the embedder's batches of 32, and
# keeps the last Chroma write, the one not overlapped with embedding, short (measured: 0.97 vs
# 0.78 of raw throughput with 256 on 300 check-ins)


def field_text(checkin: CheckIn, field: str) -> str:
    if field == "metrics":
        statuses = sorted((checkin.metrics or {}).items())
        value = "; ".join(f"{k} {str(v).replace('_', ' ')}" for k, v in statuses)
    else:
        value = (getattr(checkin, field) or "").strip()
    return f"{LABELS[field]}: {value}" if value else ""


def checkin_documents(checkin: CheckIn, chain: list[int]) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, text, metadata) per non-empty field; an empty check-in still gets one document."""
    docs = []
    for field in FIELDS:
        text = field_text(checkin, field)
        if text:
            docs.append((field, text))
    if not docs:
        docs.append(("empty", "(empty check-in)"))
    out = []
    for i, (field, text) in enumerate(docs):
        meta: dict[str, Any] = {
            "checkin_id": checkin.id, "person_id": checkin.person_id, "week": checkin.week,
            "field": field, "primary": i == 0,
            "manager_chain": ",".join(map(str, chain)),
        }
        if chain:
            meta["manager_ids"] = chain
        out.append((f"checkin:{checkin.id}:{field}", text, meta))
    return out


class _Chains:
    """Manager chains for many people from one query (no per-person lookups)."""

    def __init__(self, session: Session) -> None:
        self.parent = dict(session.exec(select(Person.id, Person.manager_id)).all())

    def __call__(self, person_id: int) -> list[int]:
        chain: list[int] = []
        current = self.parent.get(person_id)
        while current is not None and current not in chain and current != person_id:
            chain.append(current)
            current = self.parent.get(current)
        return chain


class _Memo:
    """Vectors of texts already embedded in this reindex, least recently used dropped first.

    Check-ins repeat themselves word for word: a blocker carried over several weeks, the same
    priorities. The generated M org has 54,677 field texts, 31,399 distinct; each distinct
    text is embedded once, its vector reused (the same text gives the same vector)."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self.vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.embedded = 0  # texts sent to the embedder

    def __call__(self, texts: list[str]) -> list[np.ndarray]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            for text, vec in zip(missing, get_embedder().embed(missing), strict=True):
                self.vectors[text] = np.asarray(vec, dtype=np.float32)
            self.embedded += len(missing)
        out = []
        for text in texts:
            self.vectors.move_to_end(text)
            out.append(self.vectors[text])
        while len(self.vectors) > self.size:
            self.vectors.popitem(last=False)
        return out


def _embed(checkins: Iterable[CheckIn], chains: _Chains, memo: _Memo | None = None) -> dict[str, list]:
    docs = [d for c in checkins for d in checkin_documents(c, chains(c.person_id))]
    texts = [text for _, text, _ in docs]
    vectors = (memo(texts) if memo is not None else get_embedder().embed(texts)) if docs else []
    return {"ids": [d[0] for d in docs], "embeddings": vectors,
            "documents": texts, "metadatas": [d[2] for d in docs]}


def _write(checkins: Iterable[CheckIn], chains: _Chains, *, delete_first: list[int]) -> int:
    """Embed and write check-ins; ``delete_first`` ids lose their old documents first."""
    batch = _embed(checkins, chains)
    collection = store.collection(store.CHECKINS)
    if delete_first:  # one call: a delete per check-in scanned the metadata once each
        collection.delete(where={"checkin_id": {"$in": list(delete_first)}})
    if batch["ids"]:
        collection.upsert(**batch)
    return len(batch["ids"])


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
        chains = _Chains(session)
        session.commit()  # end the read now: SQLite's BEGIN IMMEDIATE holds the write lock
    try:
        _write(live, chains, delete_first=entity_ids)
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


def _checkin_batches(engine: Engine, size: int) -> Iterator[tuple[list[CheckIn], _Chains]]:
    last_id = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            rows = list(session.exec(select(CheckIn).where(col(CheckIn.id) > last_id)
                                     .order_by(col(CheckIn.id)).limit(size)).all())
            chains = _Chains(session)
            session.commit()  # end the read, keep the loaded rows
        if not rows:
            return
        last_id = rows[-1].id
        yield rows, chains


def reindex(engine: Engine | None = None, progress: bool = True) -> dict:
    """Rebuild every collection from SQL (the record); returns counts and timing.

    Outbox rows older than the rebuild are covered by it and removed; rows written while
    it runs stay and are applied by the next drain.
    """
    engine = engine or get_engine()
    started = time.perf_counter()
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(CheckIn)).one()
        outbox_mark = session.exec(select(func.max(Outbox.id))).one() or 0
        session.rollback()
    sections = playbook.sync_playbook(force=True)
    store.drop_collection(store.CHECKINS)
    store.collection(store.CHECKINS)
    collection = store.collection(store.CHECKINS)
    documents = 0
    memo = _Memo()
    checkins_started = time.perf_counter()
    bar = _progress(total, progress)
    # Pipelined: Chroma writes batch n on a second thread while batch n+1 is embedded, so
    # the indexing path runs at nearly the embedder's own speed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cadence-reindex") as pool:
        writing: Future | None = None
        for rows, chains in _checkin_batches(engine, BATCH):
            batch = _embed(rows, chains, memo)
            if writing is not None:
                writing.result()
            if batch["ids"]:
                writing = pool.submit(collection.add, **batch)
            documents += len(batch["ids"])
            bar.update(len(rows))
        if writing is not None:
            writing.result()
    bar.close()
    checkin_seconds = time.perf_counter() - checkins_started
    with Session(engine) as session:
        for row in session.exec(select(Outbox).where(col(Outbox.id) <= outbox_mark)).all():
            session.delete(row)
        session.commit()
    seconds = time.perf_counter() - started
    return {"checkins": total, "documents": documents, "texts_embedded": memo.embedded,
            "playbook_sections": sections, "seconds": round(seconds, 3),
            "checkin_seconds": round(checkin_seconds, 3),
            "documents_per_second": round(documents / checkin_seconds, 1) if checkin_seconds else None,
            "embedded_per_second": round(memo.embedded / checkin_seconds, 1) if checkin_seconds else None}


class _progress:
    """A click progress bar on stderr, or nothing."""

    def __init__(self, total: int, show: bool) -> None:
        self._bar = None
        if show:
            import click

            self._bar = click.progressbar(length=max(total, 1), label="Indexing check-ins",
                                          file=click.get_text_stream("stderr"))
            self._bar.__enter__()

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def index_health(session: Session) -> dict:
    """Outbox lag and index/SQL parity; never raises (an unreachable index is reported)."""
    pending = session.exec(select(func.count()).select_from(Outbox)).one()
    failing = session.exec(select(func.count()).select_from(Outbox).where(Outbox.attempts > 0)).one()
    oldest = session.exec(select(func.min(Outbox.created_at))).one()
    last_error = session.exec(select(Outbox.last_error).where(col(Outbox.last_error).is_not(None))
                              .order_by(col(Outbox.id).desc()).limit(1)).first()
    sql_count = session.exec(select(func.count()).select_from(CheckIn)).one()
    out: dict[str, Any] = {
        "outbox_pending": pending, "outbox_failing": failing,
        "outbox_lag_seconds": round((utcnow() - oldest).total_seconds(), 1) if oldest else 0.0,
        "outbox_last_error": last_error, "checkins_sql": sql_count,
        "checkins_indexed": None, "playbook_sections": None, "playbook_current": None,
        "parity": False, "status": "error", "error": None,
    }
    try:
        out["checkins_indexed"] = len(store.all_ids(store.collection(store.CHECKINS), {"primary": True}))
        out["playbook_sections"] = store.collection(store.PLAYBOOK).count()
        out["playbook_current"] = playbook.playbook_is_current()
    except Exception as exc:  # noqa: BLE001 - health reports the failure instead of failing
        out["error"] = f"{type(exc).__name__}: {exc}"[:500]
        return out
    # the playbook syncs itself on the next playbook search, so it is reported, not gated on
    out["parity"] = out["checkins_indexed"] == sql_count
    out["status"] = "ok" if out["parity"] and pending == 0 else "lagging"
    return out


def probe(timeout: float = 120.0) -> str | None:
    """Open and query the embedded index in a child process: None if it answered, else why not.

    A damaged HNSW file crashes the process that loads it (SIGSEGV) instead of raising, so
    the first load happens where a crash costs nothing. A Chroma server needs no probe: a
    broken server is an HTTP error.
    """
    if get_settings().chroma_url:
        return None
    try:
        out = subprocess.run([sys.executable, "-m", "assistant.retrieval.probe"],  # noqa: S603 - our module
                             capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return f"index check did not finish in {timeout:.0f} s"
    if out.returncode == 0:
        return None
    if out.returncode < 0:
        return f"index check crashed ({signal.Signals(-out.returncode).name}); run `cadence reindex`"
    last = (out.stderr.strip().splitlines() or ["no output"])[-1]
    return f"index check failed: {last[:300]}"


class IndexerThread:
    """The in-process indexer for the embedded default: drains every ``interval`` seconds,
    or at once after :meth:`kick` (call it after committing a check-in).

    It first checks the index files in a child process (:func:`probe`) and keeps this
    process from opening them (:func:`store.mark_unusable`) until they pass; a failed check
    is retried with backoff, so a rebuilt index is picked up. Check-ins keep saving: their
    outbox rows wait in SQL.
    """

    MAX_BACKOFF = 300.0

    def __init__(self, engine: Engine | None = None, interval: float = 5.0) -> None:
        self.engine = engine
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cadence-indexer", daemon=True)

    def start(self) -> IndexerThread:
        store.mark_unusable("index check in progress")
        self._thread.start()
        return self

    def kick(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
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
            self._wake.wait(self.interval)
            self._wake.clear()


def run_indexer(engine: Engine | None = None, *, interval: float = 2.0, once: bool = False) -> int:
    """The ``cadence indexer`` loop (one per deployment, beside a Chroma server)."""
    total = 0
    while True:
        total += drain_all(engine)
        if once:
            return total
        time.sleep(interval)
