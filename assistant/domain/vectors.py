"""Text vectors stored once by content (table ``textvector``), read back instead of recomputed.

A row's key is the sha256 of the embedder's model id and the text, so one text has one row
per model and a changed model never reads another's vectors. The indexing path (the outbox
drain, ``cadence reindex``) writes them: ``known_vectors`` reads what is stored, the caller
embeds the rest once and hands them to ``store_vectors``. Request-time readers
(``vectors_for``) read, embed only what is missing and never write: a request should not take
SQLite's write lock, and what it misses is written by the drain that follows the write.

Vectors are float32, L2-normalised, exactly as the embedder returned them (the ONNX
embedder computes in float32, so a stored vector read back as float64 equals the one an
embedder call gives, up to the float noise of which texts shared its batch).

Here, not in retrieval: the analysis (below retrieval) reads these, and the index writes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from sqlalchemy import delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.core.db import begin_write
from assistant.core.embeddings import Embedder, get_embedder
from assistant.domain.models import TextVector

CHUNK = 500  # keys per IN (...): well under every SQLite build's bound-parameter limit


def text_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


def embed_now(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """One embedder call for ``texts`` as a float32 matrix, rows in order."""
    if not texts:
        return np.zeros((0, embedder.dimension or 0), dtype=np.float32)
    return np.asarray(embedder.embed(texts), dtype=np.float32)


def _session(bind: Session | Engine) -> tuple[Session, bool]:
    return (bind, False) if isinstance(bind, Session) else (Session(bind), True)


def known_vectors(bind: Session | Engine, texts: Iterable[str], model_id: str) -> dict[str, np.ndarray]:
    """The stored float32 vectors of those ``texts`` that have one, by text (one query per CHUNK keys)."""
    by_key = {text_key(model_id, t): t for t in dict.fromkeys(texts)}
    if not by_key:
        return {}
    session, own = _session(bind)
    try:
        keys = list(by_key)
        out = {}
        for start in range(0, len(keys), CHUNK):
            rows = session.exec(select(TextVector.key, TextVector.vector)
                                .where(col(TextVector.key).in_(keys[start : start + CHUNK]))).all()
            out.update({by_key[k]: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        return out
    finally:
        if own:
            session.close()


def vectors_for(bind: Session | Engine, texts: Sequence[str], embedder: Embedder | None = None) -> np.ndarray:
    """float64 vectors for ``texts`` (rows in order): stored ones read, the rest embedded now and
    not stored. Raises what the embedder raises (EmbeddingUnavailable) when one is needed and fails."""
    embedder = embedder or get_embedder()
    if not texts:
        return np.zeros((0, embedder.dimension or 0))
    have = known_vectors(bind, texts, embedder.model_id)
    missing = [t for t in dict.fromkeys(texts) if t not in have]
    if missing:
        # the small-call path: the embedder's LRU serves texts asked for again before a drain stores them
        have.update(zip(missing, np.asarray(embedder.embed(missing), dtype=np.float32), strict=True))
    return np.asarray([have[t] for t in texts], dtype=np.float64)


def _insert(session: Session):  # noqa: ANN202 - a dialect's Insert
    """INSERT that leaves a row already there alone (a concurrent writer stored the same vector)."""
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return sqlite.insert(TextVector).on_conflict_do_nothing(index_elements=["key"])
    if name == "postgresql":
        return postgresql.insert(TextVector).on_conflict_do_nothing(index_elements=["key"])
    return insert(TextVector)


def store_vectors(bind: Session | Engine, vectors: Mapping[str, np.ndarray], model_id: str) -> int:
    """Write ``vectors`` (text -> vector) under ``model_id`` in one write transaction; returns the rows given.

    With a Session the caller's transaction is used (and committed by the caller); with an
    Engine a write transaction of its own."""
    if not vectors:
        return 0
    rows = [{"key": text_key(model_id, t), "model": model_id,
             "vector": np.asarray(v, dtype=np.float32).tobytes()} for t, v in vectors.items()]
    session, own = _session(bind)
    try:
        if own:
            begin_write(session)
        stmt, conn = _insert(session), session.connection()
        for start in range(0, len(rows), CHUNK):
            conn.execute(stmt, rows[start : start + CHUNK])
        if own:
            session.commit()
        return len(rows)
    finally:
        if own:
            session.close()


def prune_vectors(engine: Engine, keep: set[str], among: set[str]) -> int:
    """Delete the rows of ``among`` (keys read earlier) whose key is not in ``keep``: texts no longer
    written, other models. Rows written since ``among`` was read are left. Returns how many went."""
    stale = sorted(among - keep)
    if not stale:
        return 0
    with Session(engine) as session:
        begin_write(session)
        conn = session.connection()
        for start in range(0, len(stale), CHUNK):
            conn.execute(delete(TextVector).where(col(TextVector.key).in_(stale[start : start + CHUNK])))
        session.commit()
    return len(stale)
