"""`reindex` embeds each distinct text once, stores the same vectors as a fresh embed, and reads
back what the text vector store holds."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func
from sqlmodel import select

from assistant import retrieval
from assistant.core.embeddings import get_embedder
from assistant.domain.models import CheckIn, Person, TextVector
from assistant.domain.vectors import store_vectors
from assistant.retrieval import index as indexer
from assistant.retrieval import store


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


REPEATED = "The supplier slipped the ship date by 9 days."


def _org(session) -> None:
    ana = Person(email="ana@x.co", name="Ana", role="Supply chain manager", access="member")
    session.add(ana)
    session.flush()
    for week, wins in (("2026-W10", "Closed the PO"), ("2026-W11", "IPI above 500"), ("2026-W12", "Closed the PO")):
        session.add(CheckIn(person_id=ana.id, week=week, wins=wins, blockers=REPEATED, metrics={}))
    session.commit()


def test_repeated_texts_are_embedded_once_with_the_same_vectors(session, engine, monkeypatch):
    _org(session)
    session.rollback()
    embedded: list[str] = []
    real = get_embedder().embed

    def counting(texts):
        embedded.extend(texts)
        return real(texts)

    monkeypatch.setattr(get_embedder(), "embed", counting)
    result = retrieval.reindex(engine, progress=False)
    # six documents, three distinct texts: each document is its field as written, which is also
    # the analysis unit (the blocker, the wins), so the index and the analysis share one vector
    units = {"Closed the PO", "IPI above 500", REPEATED}
    assert result["documents"] == 6 and result["texts_embedded"] == 3
    assert sorted(t for t in embedded if t in units) == sorted(units)  # the rest are playbook sections
    assert not [t for t in embedded if t.startswith(("Wins:", "Blockers:"))]
    got = store.collection(store.CHECKINS).get(where={"field": "blockers"}, include=["embeddings"])
    assert len(got["ids"]) == 3
    fresh = np.array(real([REPEATED])[0])
    for vec in got["embeddings"]:
        assert np.allclose(vec, fresh, atol=1e-5)


def test_a_second_reindex_reads_the_stored_vectors_and_prunes_the_unused(session, engine, monkeypatch):
    _org(session)
    session.rollback()
    retrieval.reindex(engine, progress=False)
    stored = session.exec(select(func.count()).select_from(TextVector)).one()
    assert stored == 3
    session.rollback()
    row = session.exec(select(CheckIn).where(CheckIn.week == "2026-W11")).one()
    row.wins = "IPI above 600"
    session.add(row)
    session.commit()
    embedded: list[str] = []
    real = get_embedder().embed
    monkeypatch.setattr(get_embedder(), "embed", lambda texts: embedded.extend(texts) or real(texts))
    result = retrieval.reindex(engine, progress=False)
    # only the edited win is new; its old texts' rows are pruned, the rest read back from SQL
    texts = {REPEATED, "Closed the PO", "IPI above 600"}
    assert sorted(t for t in embedded if t in texts) == ["IPI above 600"]
    assert result["texts_embedded"] == 1 and result["vectors_reused"] == 2 and result["vectors_pruned"] == 1
    assert session.exec(select(func.count()).select_from(TextVector)).one() == 3
    got = store.collection(store.CHECKINS).get(ids=[f"checkin:{row.id}:wins"], include=["embeddings"])
    assert np.allclose(got["embeddings"][0], real(["IPI above 600"])[0], atol=1e-6)


def test_memo_forgets_the_least_recently_used_and_stays_correct(engine, monkeypatch):
    calls: list[list[str]] = []

    class Fake:
        model_id = "fake"
        dimension = 2

        def embed(self, texts):
            calls.append(list(texts))
            return [[float(len(t)), 1.0] for t in texts]

    monkeypatch.setattr(indexer, "get_embedder", lambda: Fake())
    vectors = indexer._Vectors(engine, memo_size=2)
    have, new = vectors(["a", "bb", "a"])
    assert {t: v.tolist() for t, v in have.items()} == {"a": [1.0, 1.0], "bb": [2.0, 1.0]} and list(new) == ["a", "bb"]
    vectors(["ccc"])  # "bb" was used less recently than "a": it goes
    vectors(["a", "bb"])  # nothing was stored, so "bb" is embedded again
    assert calls == [["a", "bb"], ["ccc"], ["bb"]] and vectors.embedded == 4
    store_vectors(engine, {"dddd": np.array([4.0, 1.0], dtype=np.float32)}, "fake")
    have, new = vectors(["dddd"])  # stored: read back, not embedded
    assert have["dddd"].tolist() == [4.0, 1.0] and not new and vectors.stored == 1 and len(calls) == 3
