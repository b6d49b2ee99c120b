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

Each text's vector is also stored in SQL by content (``assistant.domain.vectors``): the
documents' and the analysis units' (``analysis_units``: what the analysis compares), embedded
together, each distinct text once. The analysis reads its units back at request time instead
of embedding them, and a text already stored (a re-drain, a reindex) is not embedded again.
The documents keep their "Blockers: " labels, so they share no vector with the units: on the
generated M org that is 61,751 distinct texts to embed instead of 31,399 (1.8x the tokens).
Unlabelled documents would share most of them (38,852 texts, 1.08x the tokens) but change
search: recall@5 stays 0.986, yet 11 of its 35 queries rank differently and 15 of 119 eval
cases get other history check-ins in their prompts.
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

from assistant.analysis.text import analysis_units
from assistant.core.db import get_engine
from assistant.core.embeddings import get_embedder
from assistant.domain.models import CheckIn, Outbox, TextVector, utcnow
from assistant.domain.sources import checkin_source
from assistant.domain.vectors import embed_now, known_vectors, prune_vectors, store_vectors, text_key
from assistant.retrieval import playbook, store
from assistant.settings import get_settings

FIELDS = ("blockers", "wins", "priorities")  # metric statuses are structured facts read from
# SQL; as text ("ppc-tacos on track") they are identical week to week and crowd out real hits
LABELS = {"wins": "Wins", "priorities": "Priorities", "blockers": "Blockers"}
INDEX_ROWS = Outbox.entity == "checkin"  # the outbox rows the index drains ("assessment" ones: stored.py)
CONTENT_SAMPLE = 500  # check-ins whose indexed content health compares with SQL (all, when fewer)
MEMO_SIZE = 8_192  # distinct texts whose vectors a reindex remembers (~12 MB as float32): the
# batch being written is not in SQL yet when the next one looks its texts up, and repeats are
# mostly near each other (a blocker carried for weeks); older ones are read back from SQL
BATCH = 64  # check-ins per reindex step (~190 texts): fills the embedder's batches of 32, and
# keeps the last Chroma write, the one not overlapped with embedding, short (measured: 0.97 vs
# 0.78 of raw throughput with 256 on 300 check-ins)
DRAIN_STEP = 128  # at most this many check-ins per step of a drain, the steps of one drain equal in size.
# Measured on 200 check-ins (drain / raw embedder on the same texts, median of 5-6 rounds, load 4-5):
# steps of 64, 64, 64, 8: 0.67-0.78; of 128, 72: 0.86-0.87; one step: 0.80-0.81. Equal steps
# (a short last step embeds poorly) at load 5-7: 0.79-0.98, rounds scattering 0.55-1.1.


def field_text(checkin: CheckIn, field: str) -> str:
    """One of the check-in's FIELDS as a reader is shown it ("Blockers: ..."), or "" when empty."""
    value = document_text(checkin, field)
    return f"{LABELS[field]}: {value}" if value else ""


def document_text(checkin: CheckIn, field: str) -> str:
    """What the index embeds for a field: its text as written, no label. The same text is an
    analysis unit (the whole wins; a blocker or priorities written as one item), so its vector
    is embedded once and shared: with "Blockers: " in front it was another text, and a cold
    index embedded 1.97x the texts at M (61,751 against 31,399; unlabelled 38,852). Recall@5
    on the labelled queries is 0.986 either way; the field is in the metadata."""
    return (getattr(checkin, field) or "").strip()


def checkin_version(checkin: CheckIn) -> str:
    """The check-in's updated_at as sortable text (UTC, microseconds): later writes sort later."""
    stamp = checkin.updated_at
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp.isoformat(timespec="microseconds")


def content_sha(checkin: CheckIn) -> str:
    """A short hash of everything the check-in's documents carry, to compare index and SQL."""
    parts = [checkin.person_id, checkin.week, *(document_text(checkin, f) for f in FIELDS)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def document_fields(checkin: CheckIn) -> list[tuple[str, str]]:
    """(field, text) of each document the check-in is indexed as: one per non-empty field; an
    empty check-in still gets one."""
    docs = [(field, text) for field in FIELDS if (text := document_text(checkin, field))]
    return docs or [("empty", "(empty check-in)")]


def checkin_documents(checkin: CheckIn) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, text, metadata) per document (``document_fields``)."""
    docs = document_fields(checkin)
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


class _Vectors:
    """The vectors of one indexing run: each distinct text looked up in this run's memo, then in
    the text vector store (SQL), and only what neither holds embedded, in one embedder call.

    Check-ins repeat themselves word for word: a blocker carried over several weeks, the same
    priorities. The generated M org has 54,677 field texts, 31,399 distinct; each distinct
    text is embedded once, its vector reused (the same text gives the same vector). The memo
    (an LRU of ``memo_size``) spares a rebuild re-reading from SQL what it embedded a batch ago."""

    def __init__(self, engine: Engine, memo_size: int = 0) -> None:
        self.engine = engine
        self.memo_size = memo_size
        self.memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self.asked: set[str] = set()  # every distinct text asked for (reindex keeps their rows)
        self.embedded = 0  # texts sent to the embedder
        self.stored = 0  # texts whose vector came from the store

    @property
    def model_id(self) -> str:
        """Asked only when there are texts: a drain of deletions runs without an embedder."""
        return get_embedder().model_id

    def __call__(self, texts: list[str]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """(every text's vector, the ones embedded now): the second is what the store lacks."""
        distinct = list(dict.fromkeys(texts))
        self.asked.update(distinct)
        have = {t: self.memo[t] for t in distinct if t in self.memo}
        rest = [t for t in distinct if t not in have]
        known = known_vectors(self.engine, rest, self.model_id) if rest else {}
        self.stored += len(known)
        have.update(known)
        missing = [t for t in rest if t not in have]
        new = dict(zip(missing, embed_now(get_embedder(), missing), strict=True)) if missing else {}
        self.embedded += len(new)
        have.update(new)
        if self.memo_size:
            for t in texts:
                self.memo[t] = have[t]
                self.memo.move_to_end(t)
            while len(self.memo) > self.memo_size:
                self.memo.popitem(last=False)
        return have, new


def _embed(checkins: Iterable[CheckIn], vectors: _Vectors) -> tuple[dict[str, list], dict[str, np.ndarray]]:
    """The Chroma batch of ``checkins`` and the vectors embedded for it (to store): the documents
    and the analysis units (``analysis_units``) go to the embedder together, each distinct text once."""
    checkins = list(checkins)
    docs = [d for c in checkins for d in checkin_documents(c)]
    texts = [text for _, text, _ in docs]
    have, new = vectors(texts + [u for c in checkins for u in analysis_units(c)])
    return ({"ids": [d[0] for d in docs], "embeddings": [have[t] for t in texts],
             "documents": texts, "metadatas": [d[2] for d in docs]}, new)


def index_checkins(checkins: Iterable[CheckIn], *, delete_first: list[int], engine: Engine | None = None) -> int:
    """Embed and write check-ins' documents, and store their texts' vectors (the documents' and
    the analysis units'); ``delete_first`` ids lose their old documents first. A check-in the
    index already holds in a newer version is left as it is (a drain that read it before the
    latest edit must not undo that edit). Returns the documents written.

    Pipelined as ``reindex`` is: steps of at most DRAIN_STEP check-ins, step n written (SQL vectors, then
    Chroma) on a second thread while step n+1 is embedded. Each step deletes its check-ins'
    old documents just before writing theirs, so a check-in is missing from search only for
    that moment; deleting first also makes the upsert an insert, which Chroma does about 3x
    faster than overwriting an id in place (measured: 200 check-ins on 20,000 documents,
    delete + upsert 1.0-1.2 s, upsert over the old ids 3.0-4.3 s)."""
    engine = engine or get_engine()
    collection = store.collection(store.CHECKINS)
    checkins = list(checkins)
    indexed = _indexed(collection, [c.id for c in checkins], "version")
    newer = {c.id for c in checkins if indexed.get(c.id, "") > checkin_version(c)}
    checkins = [c for c in checkins if c.id not in newer]
    gone = sorted(set(delete_first) - newer - {c.id for c in checkins})  # no longer in SQL
    replace = set(delete_first)
    vectors = _Vectors(engine, MEMO_SIZE)  # a step may repeat the texts of the one being written
    count = max(1, -(-len(checkins) // DRAIN_STEP))  # steps of equal size: a short last one embeds poorly
    steps = [checkins[i * len(checkins) // count : (i + 1) * len(checkins) // count] for i in range(count)]

    def write(step: list[CheckIn], batch: dict[str, list], new: dict[str, np.ndarray], first: bool) -> None:
        if new:  # SQL first: should Chroma fail, the retry finds these stored and embeds nothing again
            store_vectors(engine, new, vectors.model_id)
        old = [c.id for c in step if c.id in replace] + (gone if first else [])
        if old:  # one call per step: a delete per check-in scanned the metadata once each
            collection.delete(where={"checkin_id": {"$in": old}})
        if batch["ids"]:
            collection.upsert(**batch)

    documents = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cadence-drain") as pool:
        writing: Future | None = None
        for n, step in enumerate(steps):
            batch, new = _embed(step, vectors)
            if writing is not None:
                writing.result()
            writing = pool.submit(write, step, batch, new, n == 0)
            documents += len(batch["ids"])
        if writing is not None:
            writing.result()
    return documents


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
    vectors = _Vectors(engine, MEMO_SIZE)
    with Session(engine) as session:  # the rows this rebuild may prune (not those written meanwhile)
        before = set(session.exec(select(TextVector.key)).all())
        session.rollback()
    checkins_started = time.perf_counter()
    bar = _progress(total, progress)

    def write(batch: dict[str, list], new: dict[str, np.ndarray]) -> None:
        if new:
            store_vectors(engine, new, vectors.model_id)
        if batch["ids"]:
            collection.add(**batch)

    # Pipelined: batch n is written (SQL vectors, Chroma) on a second thread while batch n+1
    # is embedded, so the indexing path runs at nearly the embedder's own speed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cadence-reindex") as pool:
        writing: Future | None = None
        for rows in _checkin_batches(engine, BATCH):
            batch, new = _embed(rows, vectors)
            if writing is not None:
                writing.result()
            writing = pool.submit(write, batch, new)
            documents += len(batch["ids"])
            bar.update(len(rows))
        if writing is not None:
            writing.result()
    bar.close()
    checkin_seconds = time.perf_counter() - checkins_started
    # The vector store is derived too: rows of texts no check-in holds any more (edited,
    # deleted) or of another model go; rows of texts still written are kept, since a key
    # names the model and the text and the vector is a function of both.
    keep = {text_key(vectors.model_id, t) for t in vectors.asked} if vectors.asked else set()
    pruned = prune_vectors(engine, keep=keep, among=before)
    with Session(engine) as session:
        for row in session.exec(select(Outbox).where(INDEX_ROWS, col(Outbox.id) <= outbox_mark)).all():
            session.delete(row)
        session.commit()
    seconds = time.perf_counter() - started
    return {"checkins": total, "documents": documents, "texts_embedded": vectors.embedded,
            "vectors_reused": vectors.stored, "vectors_pruned": pruned,
            "playbook_sections": sections, "seconds": round(seconds, 3),
            "checkin_seconds": round(checkin_seconds, 3),
            "documents_per_second": round(documents / checkin_seconds, 1) if checkin_seconds else None,
            "embedded_per_second": round(vectors.embedded / checkin_seconds, 1) if checkin_seconds else None}


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
