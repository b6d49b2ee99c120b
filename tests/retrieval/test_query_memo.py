"""Query vectors are embedded once per process: a draft's fixed playbook questions, and a
check-in search asked again, reach the embedder only the first time."""

from __future__ import annotations

import pytest

from assistant.core import embeddings
from assistant.core.embeddings import get_embedder
from assistant.retrieval import search, store, sync_playbook
from assistant.retrieval.search import query_vectors, search_playbook_many

QUESTIONS = ["recognising strong performance specifically", "a blocker that keeps coming back week after week"]


class Counting:
    """The process's embedder, counting the texts it is asked to embed."""

    def __init__(self, model_id: str | None = None) -> None:
        self.inner = get_embedder()
        self.model_id = model_id or self.inner.model_id
        self.dimension = self.inner.dimension
        self.asked: list[str] = []

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.asked.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    store.reset_clients()
    monkeypatch.setattr(embeddings, "_memo", type(embeddings._memo)())
    yield
    store.reset_clients()


def test_the_playbook_questions_are_embedded_once(monkeypatch):
    sync_playbook()
    counting = Counting()
    monkeypatch.setattr(embeddings, "get_embedder", lambda: counting)
    first = search_playbook_many(QUESTIONS, k=2)
    assert counting.asked == QUESTIONS
    again = search_playbook_many([QUESTIONS[1], QUESTIONS[0], "a new question"], k=2)
    assert counting.asked == [*QUESTIONS, "a new question"]  # only the new one reached the embedder
    assert [h.source_id for h in again[0]] == [h.source_id for h in first[1]]
    assert [h.score for h in again[1]] == [h.score for h in first[0]]


def test_the_memo_reads_back_the_embedders_vectors_and_forgets_the_oldest(monkeypatch):
    counting = Counting()
    monkeypatch.setattr(embeddings, "get_embedder", lambda: counting)
    monkeypatch.setattr(embeddings, "MEMO", 2)
    fresh = counting.inner.embed(["a", "b", "c"])
    assert query_vectors(["a", "b", "a"]) == [fresh[0], fresh[1], fresh[0]]
    assert counting.asked == ["a", "b"]
    query_vectors(["a"])  # read again: "b" is now the one used least recently
    query_vectors(["c"])  # over the bound: "b" goes
    assert query_vectors(["a", "b"]) == fresh[:2] and counting.asked == ["a", "b", "c", "b"]


def test_a_check_in_search_asked_again_gives_the_same_hits_without_the_embedder(session, monkeypatch):
    from assistant.retrieval import drain_all
    from tests.retrieval.test_retrieval import _checkin, _person

    ops = _person(session, "ops@x.co", "manager", role="Operations manager")
    ana = _person(session, "ana@x.co", "member", ops, role="Supply chain manager")
    _checkin(session, ana, "2026-W10", blockers="Our supplier pushed the shipment back again.")
    _checkin(session, ana, "2026-W11", blockers="The factory is late with the bottles.", wins="IPI above 500")
    session.commit()
    drain_all()
    counting = Counting()
    monkeypatch.setattr(embeddings, "get_embedder", lambda: counting)
    first = search.search_checkins(session, ops, "supplier delays", k=2)
    again = search.search_checkins(session, ops, "supplier delays", k=2)
    assert counting.asked == ["supplier delays"]
    assert first and [h.model_dump() for h in again] == [h.model_dump() for h in first]
    assert search.search_checkins(session, ana, "supplier delays", k=2)  # the memo holds vectors, not hits
    assert [h.person_id for h in search.search_checkins(session, ops, "supplier delays", person_ids=[ops.id])] == []


def test_another_model_does_not_read_the_first_ones_vectors(monkeypatch):
    first, other = Counting(), Counting(model_id="another-model")
    monkeypatch.setattr(embeddings, "get_embedder", lambda: first)
    query_vectors(QUESTIONS)
    monkeypatch.setattr(embeddings, "get_embedder", lambda: other)
    query_vectors(QUESTIONS)
    assert first.asked == QUESTIONS and other.asked == QUESTIONS
