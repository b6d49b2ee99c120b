"""Collection handles cached per process, the stale-handle retry, and batched playbook questions."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from filelock import FileLock

from assistant.core.files import private_dir
from assistant.retrieval import search, store
from assistant.settings import get_settings
from tests.conftest import ROOT


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


def test_a_new_embedded_index_is_created_by_one_process_at_a_time():
    """Two server workers open a new index together; Chroma's schema set-up must not run twice
    at once (it failed with "table collections already exists" on CI)."""
    lock = FileLock(str(private_dir(get_settings().home / "chroma") / ".catalog.lock"))
    code = "from assistant.retrieval import store; print(store.collection(store.CHECKINS).count())"
    with lock:
        child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        time.sleep(3)
        assert child.poll() is None  # waiting for the lock, not creating the schema beside us
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0 and out.strip() == "0"
