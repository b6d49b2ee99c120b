"""Analysis vectors read from the index: the same signals whether stored, partly stored or not."""

from __future__ import annotations

import pytest
from sqlmodel import select

from assistant import analysis as A
from assistant.analysis import text, vectors
from assistant.domain.models import CheckIn
from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.team import person_by_email
from assistant.retrieval import store
from tests.conftest import ROOT

WEEK = "2026-W41"


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.mark_unusable(None)
    store.reset_clients()


@pytest.fixture
def supply(session):
    import_org(session, read_org_file(ROOT / "demo" / "northwind.yaml"))
    session.commit()
    return person_by_email(session, "supply@northwind.test")


def signals(session, person):
    return (A.recurring_blockers(session, person, WEEK),
            A.priority_follow_through(session, person, A.weeks_back(WEEK, 8)))


def _rows(session, person):
    return list(session.exec(select(CheckIn).where(CheckIn.person_id == person.id)).all())


def test_stored_vectors_give_the_same_signals_without_the_embedder(session, supply, monkeypatch):
    embedded = signals(session, supply)
    assert embedded[0] and embedded[0][0].method == "embedding"  # the PO-2291 thread
    assert text.store_vectors(_rows(session, supply)) > 0
    assert text.store_vectors(_rows(session, supply)) == 0  # already stored: nothing embedded again

    def refuse(*a, **k):
        raise AssertionError("a stored vector was embedded again")

    monkeypatch.setattr(vectors, "get_embedder", lambda: type("E", (), {"embed": refuse})())
    assert signals(session, supply) == embedded


def test_partly_stored_and_unusable_index_match(session, supply):
    embedded = signals(session, supply)
    rows = _rows(session, supply)
    text.store_vectors(rows[: len(rows) // 2])
    assert signals(session, supply) == embedded
    store.mark_unusable("damaged for the test")
    assert signals(session, supply) == embedded


def test_a_stored_vector_is_only_used_for_its_exact_text(session, supply):
    row = next(r for r in _rows(session, supply) if not text.is_empty(r.blockers))
    vectors.write_checkins([(row.id, row.blockers)])
    assert vectors.vector_id(row.id, row.blockers) in vectors.stored([(row.id, row.blockers)])
    assert vectors.stored([(row.id, row.blockers + " edited")]) == {}
    assert vectors.stored([(row.id + 1, row.blockers)]) == {}


def test_delete_first_drops_a_checkins_vectors(session, supply):
    rows = _rows(session, supply)[:2]
    text.store_vectors(rows)
    pairs = [(r.id, t) for r in rows for t in text.checkin_texts(r)]
    assert len(vectors.stored(pairs)) == len(pairs)
    vectors.write_checkins([], delete_first=[rows[0].id])
    left = vectors.stored(pairs)
    assert left and all(i.startswith(f"analysis:{rows[1].id}:") for i in left)


def test_reading_never_creates_the_collection(session, supply):
    rows = _rows(session, supply)[:1]
    assert vectors.stored([(r.id, t) for r in rows for t in text.checkin_texts(r)]) == {}
    names = {c.name for c in store.get_client().list_collections()}
    assert store.collection_name(vectors.ANALYSIS) not in names
