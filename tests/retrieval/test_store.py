"""Collection handles cached per process, the stale-handle retry, and batched playbook questions."""

from __future__ import annotations

import pytest

from assistant.retrieval import search, store


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


def test_a_handle_dropped_elsewhere_is_reopened():
    first = store.cached_collection(store.CHECKINS)
    assert store.cached_collection(store.CHECKINS) is first
    first.add(ids=["a"], embeddings=[[1.0, 0.0, 0.0]])
    # dropped and recreated behind this process's back (another process's reindex)
    client = store.get_client()
    client.delete_collection(store.collection_name(store.CHECKINS))
    store.collection(store.CHECKINS)
    assert store.read(store.CHECKINS, lambda c: c.count()) == 0
    assert store.cached_collection(store.CHECKINS) is not first


def test_drop_and_reset_forget_handles():
    first = store.cached_collection(store.PLAYBOOK)
    store.drop_collection(store.PLAYBOOK)
    second = store.cached_collection(store.PLAYBOOK)
    assert second is not first
    store.reset_clients()
    assert store.cached_collection(store.PLAYBOOK) is not second


def test_batched_playbook_questions_match_one_by_one():
    questions = ["vanity metrics to retire", "", "a blocker that keeps coming back week after week",
                 "ACOS gaming: what to ask in a 1:1"]
    batched = search.search_playbook_many(questions, k=2)
    assert batched[1] == []
    assert batched == [search.search_playbook(q, k=2) for q in questions]
    assert all(batched[i] for i in (0, 2, 3))
