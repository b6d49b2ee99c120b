"""Vectors of the analysis texts, read from the index when it holds them.

The text signals compare sentence-sized pieces of a check-in (a blocker as written, each
priority item, each win sentence and the wins whole). Those are not the search index's
documents ("Blockers: ..." per field): a different text is a different vector, and the
thresholds in :mod:`assistant.analysis.text` were calibrated on these exact texts. So they
get their own derived collection, ``cadence-analysis-<model>``, one vector per
(check-in, text): id ``analysis:<checkin id>:<sha256 of the text, 32 hex>``, metadata
``checkin_id`` (so a deleted or edited check-in's vectors go with it, as in the search
collection). No text is stored.

Reading is ``vectors_for``: stored vectors where the collection has them, the embedder for
the rest, so a draft reads the same numbers whether the index is complete, lagging, or
unusable (the embedder gives a text the same vector in any batch; measured bit-identical).
Writing is ``write_checkins``, for the indexer: a request never writes to the index.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence

import numpy as np

from assistant.core.embeddings import get_embedder
from assistant.retrieval import store

log = logging.getLogger(__name__)

ANALYSIS = "analysis"


def vector_id(checkin_id: int, text: str) -> str:
    return f"analysis:{checkin_id}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def stored(items: Sequence[tuple[int, str]]) -> dict[str, list[float]]:
    """Vectors the collection holds for these (check-in id, text) pairs, by vector id.

    Never raises: an unusable or unreachable index means "none stored"."""
    ids = list(dict.fromkeys(vector_id(c, t) for c, t in items))
    if not ids:
        return {}
    try:
        got = store.read(ANALYSIS, lambda col: col.get(ids=ids, include=["embeddings"]), create=False)
    except Exception as exc:  # noqa: BLE001 - the index is derived: embed instead
        log.info("analysis vectors unavailable, embedding: %s", exc)
        return {}
    embeddings = got.get("embeddings")
    if embeddings is None:
        return {}
    return {i: list(v) for i, v in zip(got["ids"], embeddings, strict=True)}


def vectors_for(items: Sequence[tuple[int, str]]) -> np.ndarray:
    """Normalised vectors (float64) for ``items`` in order: stored ones, the rest embedded.

    Raises what the embedder raises when a vector is missing and cannot be computed."""
    if not items:
        return np.zeros((0, 0))
    found = stored(items)
    missing = list(dict.fromkeys(t for c, t in items if vector_id(c, t) not in found))
    computed = dict(zip(missing, get_embedder().embed(missing), strict=True)) if missing else {}
    rows = [found[i] if (i := vector_id(c, t)) in found else computed[t] for c, t in items]
    return np.asarray(rows, dtype=np.float64)


def write_checkins(pairs: Iterable[tuple[int, str]], *, delete_first: Sequence[int] = ()) -> int:
    """Store vectors for (check-in id, text) pairs; returns how many were embedded.

    ``delete_first`` check-ins lose their stored vectors first (edited or deleted check-ins,
    as the indexer's drain does for the search documents). Pairs already stored are skipped."""
    col = store.collection(ANALYSIS)
    store.forget_collection(ANALYSIS)  # readers in this process: it exists now (see store.read)
    if delete_first:
        col.delete(where={"checkin_id": {"$in": list(delete_first)}})
    wanted = {vector_id(c, t): (c, t) for c, t in pairs}
    if not wanted:
        return 0
    have = set(col.get(ids=list(wanted), include=[])["ids"])
    todo = [(i, c, t) for i, (c, t) in wanted.items() if i not in have]
    if not todo:
        return 0
    vectors = get_embedder().embed([t for _, _, t in todo])
    col.upsert(ids=[i for i, _, _ in todo], embeddings=vectors,
               metadatas=[{"checkin_id": c} for _, c, _ in todo])
    return len(todo)


def drop() -> None:
    """Forget every stored analysis vector (``cadence reindex`` rebuilds them)."""
    store.drop_collection(ANALYSIS)
