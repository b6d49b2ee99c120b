"""Check-ins into Chroma: documents, full reindex, health and the index check.

One document per non-empty check-in text field (wins, priorities, blockers), id
``checkin:<id>:<field>``, not one per check-in. Why: a query such as "supplier delays" is
about one field, and a blocker sentence embedded alone scores far higher than the same
sentence averaged with a week's wins and plans (mean pooling dilutes it; MiniLM also
truncates long inputs). Search folds field hits back into one hit per check-in. The first
document of each check-in carries ``primary=True`` so the index can be counted in
check-ins for parity with SQL.

Metadata: person_id, week (ISO), checkin_id, field, primary, and the check-in's ``version``
(its updated_at) and ``sha`` (a hash of what was indexed). No team or manager is stored: it
would go stale when people move teams, so search filters on person_id against who the
viewer may see in SQL now. ``version`` keeps a late drain from writing an older text over a
newer one; ``sha`` lets health compare the index's content with SQL, not just its counts.
The outbox drain that keeps the index current is in worker.py.
"""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC
from typing import Any

import numpy as np
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.core.db import get_engine
from assistant.core.embeddings import get_embedder
from assistant.domain.models import CheckIn, Outbox, utcnow
from assistant.domain.sources import checkin_source
from assistant.retrieval import playbook, store
from assistant.settings import get_settings

FIELDS = ("blockers", "wins", "priorities")  # metric statuses are structured facts read from
# SQL; as text ("ppc-tacos on track") they are identical week to week and crowd out real hits
LABELS = {"wins": "Wins", "priorities": "Priorities", "blockers": "Blockers"}
INDEX_ROWS = Outbox.entity == "checkin"  # the outbox rows the index drains ("assessment" ones: stored.py)
CONTENT_SAMPLE = 500  # check-ins whose indexed content health compares with SQL (all, when fewer)
MEMO_SIZE = 65_536  # distinct texts whose vectors a reindex remembers (~100 MB as float32)
BATCH = 64  # check-ins per reindex step (~190 texts): fills the embedder's batches of 32, and
# keeps the last Chroma write, the one not overlapped with embedding, short (measured: 0.97 vs
# 0.78 of raw throughput with 256 on 300 check-ins)


def field_text(checkin: CheckIn, field: str) -> str:
    """The document text of one of the check-in's FIELDS ("Blockers: ..."), or "" when empty."""
    value = (getattr(checkin, field) or "").strip()
    return f"{LABELS[field]}: {value}" if value else ""


def checkin_version(checkin: CheckIn) -> str:
    """The check-in's updated_at as sortable text (UTC, microseconds): later writes sort later."""
    stamp = checkin.updated_at
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp.isoformat(timespec="microseconds")


def content_sha(checkin: CheckIn) -> str:
    """A short hash of everything the check-in's documents carry, to compare index and SQL."""
    parts = [checkin.person_id, checkin.week, *(field_text(checkin, f) for f in FIELDS)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def checkin_documents(checkin: CheckIn) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, text, metadata) per non-empty field; an empty check-in still gets one document."""
    docs = []
    for field in FIELDS:
        text = field_text(checkin, field)
        if text:
            docs.append((field, text))
    if not docs:
        docs.append(("empty", "(empty check-in)"))
    version, sha = checkin_version(checkin), content_sha(checkin)
    return [(f"{checkin_source(checkin.id)}:{field}", text,
             {"checkin_id": checkin.id, "person_id": checkin.person_id, "week": checkin.week,
              "field": field, "primary": i == 0, "version": version, "sha": sha})
            for i, (field, text) in enumerate(docs)]


def _indexed(collection: Any, checkin_ids: list[int], key: str) -> dict[int, str]:
    """``key`` of each check-in's primary document in the index, by check-in id."""
    if not checkin_ids:
        return {}
    got = collection.get(where={"$and": [{"checkin_id": {"$in": checkin_ids}}, {"primary": True}]},
                         include=["metadatas"])
    return {m["checkin_id"]: m.get(key, "") for m in got["metadatas"] or []}


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


def _embed(checkins: Iterable[CheckIn], memo: _Memo | None = None) -> dict[str, list]:
    docs = [d for c in checkins for d in checkin_documents(c)]
    texts = [text for _, text, _ in docs]
    vectors = (memo(texts) if memo is not None else get_embedder().embed(texts)) if docs else []
    return {"ids": [d[0] for d in docs], "embeddings": vectors,
            "documents": texts, "metadatas": [d[2] for d in docs]}


def index_checkins(checkins: Iterable[CheckIn], *, delete_first: list[int]) -> int:
    """Embed and write check-ins' documents; ``delete_first`` ids lose their old documents
    first. A check-in the index already holds in a newer version is left as it is (a drain
    that read it before the latest edit must not undo that edit). Returns the documents written."""
    collection = store.collection(store.CHECKINS)
    checkins = list(checkins)
    indexed = _indexed(collection, [c.id for c in checkins], "version")
    newer = {c.id for c in checkins if indexed.get(c.id, "") > checkin_version(c)}
    checkins = [c for c in checkins if c.id not in newer]
    delete_first = [i for i in delete_first if i not in newer]
    batch = _embed(checkins)
    if delete_first:  # one call: a delete per check-in scanned the metadata once each
        collection.delete(where={"checkin_id": {"$in": list(delete_first)}})
    if batch["ids"]:
        collection.upsert(**batch)
    return len(batch["ids"])


def _checkin_batches(engine: Engine, size: int) -> Iterator[list[CheckIn]]:
    last_id = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            rows = list(session.exec(select(CheckIn).where(col(CheckIn.id) > last_id)
                                     .order_by(col(CheckIn.id)).limit(size)).all())
            session.commit()  # end the read, keep the loaded rows
        if not rows:
            return
        last_id = rows[-1].id
        yield rows


def reindex(engine: Engine | None = None, progress: bool = True) -> dict:
    """Rebuild every collection from SQL (the record); returns counts and timing.

    Outbox rows older than the rebuild are covered by it and removed; rows written while
    it runs stay and are applied by the next drain.
    """
    engine = engine or get_engine()
    started = time.perf_counter()
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(CheckIn)).one()
        outbox_mark = session.exec(select(func.max(Outbox.id)).where(INDEX_ROWS)).one() or 0
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
        for rows in _checkin_batches(engine, BATCH):
            batch = _embed(rows, memo)
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
        for row in session.exec(select(Outbox).where(INDEX_ROWS, col(Outbox.id) <= outbox_mark)).all():
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
    pending = session.exec(select(func.count()).select_from(Outbox).where(INDEX_ROWS)).one()
    failing = session.exec(select(func.count()).select_from(Outbox).where(INDEX_ROWS, Outbox.attempts > 0)).one()
    oldest = session.exec(select(func.min(Outbox.created_at)).where(INDEX_ROWS)).one()
    assessments = session.exec(select(func.count()).select_from(Outbox).where(Outbox.entity != "checkin")).one()
    last_error = session.exec(select(Outbox.last_error).where(INDEX_ROWS, col(Outbox.last_error).is_not(None))
                              .order_by(col(Outbox.id).desc()).limit(1)).first()
    sql_count = session.exec(select(func.count()).select_from(CheckIn)).one()
    out: dict[str, Any] = {
        "outbox_pending": pending, "outbox_failing": failing,
        "outbox_lag_seconds": round((utcnow() - oldest).total_seconds(), 1) if oldest else 0.0,
        "outbox_last_error": last_error, "assessments_pending": assessments, "checkins_sql": sql_count,
        "checkins_indexed": None, "content_checked": 0, "content_stale": None,
        "playbook_sections": None, "playbook_current": None,
        "parity": False, "status": "error", "error": None,
    }
    expected = {c.id: content_sha(c) for c in _content_sample(session, sql_count)}
    try:
        collection = store.collection(store.CHECKINS)
        out["checkins_indexed"] = len(store.all_ids(collection, {"primary": True}))
        indexed = _indexed(collection, list(expected), "sha")
        out["playbook_sections"] = store.collection(store.PLAYBOOK).count()
        out["playbook_current"] = playbook.playbook_is_current()
    except Exception as exc:  # noqa: BLE001 - health reports the failure instead of failing
        out["error"] = f"{type(exc).__name__}: {exc}"[:500]
        return out
    out["content_checked"] = len(expected)
    out["content_stale"] = sum(indexed.get(i) != sha for i, sha in expected.items())
    # the playbook syncs itself on the next playbook search, so it is reported, not gated on
    out["parity"] = out["checkins_indexed"] == sql_count and out["content_stale"] == 0
    out["status"] = "ok" if out["parity"] and pending == 0 else "lagging"
    return out


def _content_sample(session: Session, total: int) -> list[CheckIn]:
    """Every check-in when there are at most CONTENT_SAMPLE; else the most recently changed
    half of that (where a lost or late write shows first) and a random other half."""
    if total <= CONTENT_SAMPLE:
        return list(session.exec(select(CheckIn)).all())
    recent = list(session.exec(select(CheckIn).order_by(col(CheckIn.updated_at).desc())
                               .limit(CONTENT_SAMPLE // 2)).all())
    seen = [c.id for c in recent]
    rest = session.exec(select(CheckIn).where(col(CheckIn.id).not_in(seen)).order_by(func.random())
                        .limit(CONTENT_SAMPLE - len(recent))).all()
    return recent + list(rest)


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
