"""`reindex` embeds each distinct text once and stores the same vectors as a fresh embed."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import retrieval
from assistant.core.embeddings import get_embedder
from assistant.domain.models import CheckIn, Person
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
    check_in_texts = [t for t in embedded if t.startswith(("Wins:", "Blockers:"))]
    assert result["documents"] == 6 and result["texts_embedded"] == 3
    assert sorted(check_in_texts) == ["Blockers: " + REPEATED, "Wins: Closed the PO", "Wins: IPI above 500"]
    got = store.collection(store.CHECKINS).get(where={"field": "blockers"}, include=["embeddings"])
    assert len(got["ids"]) == 3
    fresh = np.array(real(["Blockers: " + REPEATED])[0])
    for vec in got["embeddings"]:
        assert np.allclose(vec, fresh, atol=1e-5)


def test_memo_forgets_the_least_recently_used_and_stays_correct(monkeypatch):
    calls: list[list[str]] = []

    class Fake:
        def embed(self, texts):
            calls.append(list(texts))
            return [[float(len(t)), 1.0] for t in texts]

    monkeypatch.setattr(indexer, "get_embedder", lambda: Fake())
    memo = indexer._Memo(size=2)
    assert [v.tolist() for v in memo(["a", "bb", "a"])] == [[1.0, 1.0], [2.0, 1.0], [1.0, 1.0]]
    memo(["ccc"])  # "bb" was used less recently than "a": it goes
    memo(["a", "bb"])
    assert calls == [["a", "bb"], ["ccc"], ["bb"]] and memo.embedded == 4
