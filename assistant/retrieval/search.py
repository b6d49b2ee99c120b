"""Queries: every check-in query is filtered to the people the viewer may see, twice.

First in what is ranked (Chroma's ``where``; or, for one person's history, only their own
check-ins' stored vectors), so invisible documents never fill the top k; then again on the
results against SQL (so a stale index, a deleted check-in or a bug in the filter can never
leak text). Hit text comes from SQL, the record, not from the index.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from chromadb.api.models.Collection import Collection
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from assistant.core.embeddings import get_embedder, remembered
from assistant.core.words import SEARCH_STOP_WORDS, strip_endings
from assistant.domain.models import CheckIn, Person
from assistant.domain.sources import checkin_source, playbook_source
from assistant.domain.team import visible_among, visible_person_ids
from assistant.domain.vectors import known_vectors
from assistant.retrieval import playbook, store
from assistant.retrieval.index import FIELDS, document_fields, field_text


class Hit(BaseModel):
    """One ranked search result."""

    source_id: str = Field(description='"checkin:<id>" or "playbook:<section id>"; cite this.')
    kind: Literal["checkin", "playbook"]
    score: float = Field(description="Relevance: cosine to the (feedback-expanded) query plus a shared-word boost.")
    text: str = Field(description="The matching field of the check-in, or the section's text.")
    person_id: int | None = None
    week: str | None = Field(None, description="ISO week of the check-in.")
    field: str | None = Field(None, description="Check-in field that matched best.")
    title: str | None = Field(None, description="Playbook section title.")


# Small lexical boost on top of the vectors: MiniLM alone ranks "cut receiving time to two
# days" near "supplier delays" (time ~ delay); a shared word stem is strong evidence.
LEXICAL_WEIGHT = 0.15
CANDIDATES = 8  # vector candidates per wanted hit, reranked with the lexical boost
FEEDBACK_WEIGHT = 0.8  # pseudo-relevance feedback; measured on evals/retrieval (see README)
FEEDBACK_DOCS = 2
# At most this many people (one person's history): rank their stored vectors exactly instead
# of asking Chroma. Why: Chroma's person-filtered query costs grow with the whole collection
# (measured 4.5 ms a query at 3,258 documents, ~18 ms at M's ~40,000), while one person's
# check-ins over three years are a few hundred vectors, already in SQL (table textvector).
EXACT_PEOPLE = 3

# Words a team uses interchangeably for the same thing, mapped to one concept, so the
# lexical boost sees "vendor slipped the date" as matching "supplier delays".
_CONCEPTS = {
    "suppli": ("vendor", "factory", "manufacturer", "mill", "supplier"),
    "delay": ("late", "later", "slip", "slipped", "behind", "pushed", "eta", "rolled", "postponed", "overdue"),
    "stockout": ("stockout", "oos", "backorder"),
    "refund": ("reimbursement", "refunded"),
}
_CONCEPT_OF = {strip_endings(alias): concept for concept, aliases in _CONCEPTS.items() for alias in aliases}


@lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    """Stems of the content words of ``text``, with domain synonyms folded to one concept.

    Memoised: every playbook question reranks the same few dozen section texts (~200 words
    each); without the memo, stemming them is about a tenth of a brief's time.
    """
    stems = {strip_endings(w) for w in re.findall(r"[a-z0-9]+", text.lower())
             if w not in SEARCH_STOP_WORDS and len(w) > 1}
    return frozenset(_CONCEPT_OF.get(s, s) for s in stems)


# A draft asks the playbook the same fixed questions every time ("recognising strong performance
# specifically"): their vectors are remembered per process (core.embeddings.remembered).
query_vectors = remembered


def _lexical(query_stems: frozenset[str], text: str) -> float:
    if not query_stems:
        return 0.0
    return len(query_stems & _stems(text)) / len(query_stems)


def _where(person_ids: set[int], weeks: list[str] | None) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = [{"person_id": {"$in": sorted(person_ids)}}]
    if weeks:
        clauses.append({"week": {"$in": sorted(set(weeks))}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _query_checkins(collection: Collection, query: str, where: dict[str, Any], k: int) -> dict[str, Any] | None:
    """The raw Chroma answer for ``query`` (after one feedback round), or None for an empty index."""
    size = collection.count()
    if size == 0:
        return None
    vector = np.asarray(query_vectors([query])[0], dtype=np.float64)
    n = min(size, k * CANDIDATES)  # several fields per check-in can match: over-fetch
    res = collection.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                           include=["metadatas", "documents", "distances", "embeddings"])
    if FEEDBACK_WEIGHT and res["ids"][0]:
        # Pseudo-relevance feedback: move the query toward its best few hits and ask again.
        # A recurring blocker is written differently each week; its weeks resemble each
        # other more than any of them resembles a two-word query.
        top = np.asarray(res["embeddings"][0][:FEEDBACK_DOCS])
        vector = vector + FEEDBACK_WEIGHT * top.mean(axis=0)
        vector = vector / np.linalg.norm(vector)
        res = collection.query(query_embeddings=[vector.tolist()], n_results=n, where=where,
                               include=["metadatas", "documents", "distances"])
    return res


def _ranked(vectors: np.ndarray, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n rows of ``vectors`` nearest ``query`` by cosine (both L2-normalised), and their distances."""
    distances = 1.0 - vectors @ query
    order = np.argsort(distances, kind="stable")[:n]
    return order, distances[order]


def _query_stored(session: Session, query: str, person_ids: set[int], weeks: list[str] | None,
                  k: int) -> dict[str, Any] | None:
    """``_query_checkins``'s answer computed from the stored vectors of these people's check-in
    documents (exact, with the same feedback round); None when one of them has no stored vector
    yet (a write not drained, an index older than the stored vectors): Chroma answers then."""
    # the columns the documents are made of, not whole rows: a few hundred ORM objects cost
    # more than the ranking
    q = select(CheckIn.id, CheckIn.person_id, *(getattr(CheckIn, f) for f in FIELDS))
    q = q.where(col(CheckIn.person_id).in_(sorted(person_ids)))
    if weeks:
        q = q.where(col(CheckIn.week).in_(sorted(set(weeks))))
    docs = [(field, text, {"checkin_id": c.id, "person_id": c.person_id, "field": field})
            for c in session.exec(q) for field, text in document_fields(c)]
    if not docs:
        return None
    stored = known_vectors(session, [text for _, text, _ in docs], get_embedder().model_id)
    if len(stored) < len({text for _, text, _ in docs}):
        return None
    matrix = np.asarray([stored[text] for _, text, _ in docs], dtype=np.float64)
    vector = np.asarray(query_vectors([query])[0], dtype=np.float64)
    n = min(len(docs), k * CANDIDATES)
    order, distances = _ranked(matrix, vector, n)
    if FEEDBACK_WEIGHT:
        vector = vector + FEEDBACK_WEIGHT * matrix[order[:FEEDBACK_DOCS]].mean(axis=0)
        order, distances = _ranked(matrix, vector / np.linalg.norm(vector), n)
    return {"metadatas": [[docs[i][2] for i in order]], "documents": [[docs[i][1] for i in order]],
            "distances": [distances.tolist()]}


def search_checkins(
    session: Session, viewer: Person, query: str, *, k: int = 5,
    person_ids: list[int] | set[int] | None = None, weeks: list[str] | None = None,
) -> list[Hit]:
    """The viewer's visible check-ins closest in meaning to ``query``, best first.

    ``person_ids`` narrows to some people (ids the viewer may not see are ignored);
    ``weeks`` narrows to ISO weeks. One hit per check-in, scored by its best field.
    """
    allowed = visible_person_ids(session, viewer) if person_ids is None else visible_among(session, viewer, person_ids)
    if not allowed or not query.strip() or k <= 0:
        return []
    res = _query_stored(session, query, allowed, weeks, k) if len(allowed) <= EXACT_PEOPLE else None
    if res is None:
        res = store.read(store.CHECKINS, lambda c: _query_checkins(c, query, _where(allowed, weeks), k))
    if res is None:
        return []
    terms = _stems(query)
    best: dict[int, tuple[float, str]] = {}
    for meta, doc, dist in zip(res["metadatas"][0], res["documents"][0], res["distances"][0], strict=True):
        cid = int(meta["checkin_id"])
        score = 1.0 - float(dist) + LEXICAL_WEIGHT * _lexical(terms, doc or "")
        if int(meta["person_id"]) in allowed and (cid not in best or score > best[cid][0]):
            best[cid] = (score, str(meta["field"]))
    if not best:
        return []
    rows = {c.id: c for c in session.exec(select(CheckIn).where(col(CheckIn.id).in_(list(best)))).all()}
    hits = []
    # equal scores (the same text written in two weeks) rank the later week first, whichever
    # store answered and in whatever order it listed them
    ranked = sorted(best.items(), key=lambda kv: (round(kv[1][0], 4), getattr(rows.get(kv[0]), "week", "")),
                    reverse=True)
    for cid, (score, field) in ranked:
        row = rows.get(cid)
        if row is None or row.person_id not in allowed or (weeks and row.week not in weeks):
            continue  # deleted since it was indexed, moved out of view, or stale metadata
        text = field_text(row, field) if field in FIELDS else ""
        hits.append(Hit(source_id=checkin_source(cid), kind="checkin", score=round(score, 4), text=text,
                        person_id=row.person_id, week=row.week, field=field))
    return hits[:k]


def search_playbook(query: str, k: int = 5) -> list[Hit]:
    """Playbook sections (built-in and the team's own) closest in meaning to ``query``."""
    return search_playbook_many([query], k=k)[0]


def search_playbook_many(queries: list[str], k: int = 5) -> list[list[Hit]]:
    """``search_playbook`` for each query, as one embedding call and one Chroma query.

    Why: a draft asks the playbook up to six questions; one by one they cost six round
    trips. Chroma answers each query of a batch on its own, so the hits are the same.
    """
    asked = [i for i, q in enumerate(queries) if q.strip()]
    out: list[list[Hit]] = [[] for _ in queries]
    if not asked or k <= 0:
        return out
    vectors = query_vectors([queries[i] for i in asked])

    def ask(col: Collection) -> dict[str, Any] | None:
        count = playbook.ensure_current(col)
        if count == 0:
            return None
        return col.query(query_embeddings=vectors, n_results=min(k * CANDIDATES, count),
                         include=["metadatas", "documents", "distances"])

    res = store.read(store.PLAYBOOK, ask)
    if res is None:
        return out
    for n, i in enumerate(asked):
        terms = _stems(queries[i])
        hits = [
            Hit(source_id=playbook_source(meta['section']), kind="playbook",
                score=round(1.0 - float(dist) + LEXICAL_WEIGHT * _lexical(terms, f"{meta.get('title')} {doc}"), 4),
                text=doc, title=str(meta.get("title") or ""))
            for meta, doc, dist in zip(res["metadatas"][n], res["documents"][n], res["distances"][n], strict=True)
        ]
        out[i] = sorted(hits, key=lambda h: -h.score)[:k]
    return out


class SearchResults(BaseModel):
    """One search as the API and ``cadence search`` answer it."""

    query: str
    kind: Literal["checkins", "playbook"]
    hits: list[Hit]


def run_search(session: Session, viewer: Person, q: str, kind: Literal["checkins", "playbook"], k: int,
               person_id: int | None = None, weeks: list[str] | None = None) -> SearchResults:
    """Check-ins ``viewer`` may see (optionally one person's, some weeks), or playbook sections."""
    if kind == "playbook":
        hits = search_playbook(q, k=k)
    else:
        hits = search_checkins(session, viewer, q, k=k, weeks=weeks or None,
                               person_ids=[person_id] if person_id is not None else None)
    return SearchResults(query=q, kind=kind, hits=hits)
