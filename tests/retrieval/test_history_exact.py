"""One person's history ranked from the stored vectors answers as Chroma does, and falls back
to Chroma while a vector is missing."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlmodel import select

from assistant import retrieval
from assistant.analysis.text import history_query
from assistant.core.embeddings import get_embedder
from assistant.domain.models import CheckIn, Person, TextVector
from assistant.domain.orgfile import import_org, read_org_file
from assistant.domain.vectors import text_key
from assistant.retrieval import search, store
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


@pytest.fixture
def indexed(session, engine):
    import_org(session, read_org_file(ROOT / "demo" / "northwind.yaml"))
    session.commit()
    retrieval.drain_outbox(engine, limit=10_000)
    return session


def _both(session, viewer, query, person_id, monkeypatch):
    exact = search.search_checkins(session, viewer, query, k=5, person_ids={person_id})
    with monkeypatch.context() as m:
        m.setattr(search, "EXACT_PEOPLE", 0)
        chroma = search.search_checkins(session, viewer, query, k=5, person_ids={person_id})
    return exact, chroma


def test_every_demo_history_query_ranks_as_chroma_does(indexed, monkeypatch):
    session = indexed
    founder = session.exec(select(Person).where(Person.access == "founder")).one()
    asked = 0
    for c in session.exec(select(CheckIn)).all():
        query = history_query(c.blockers, c.priorities)
        if not query.strip():
            continue
        exact, chroma = _both(session, founder, query, c.person_id, monkeypatch)
        assert [h.source_id for h in exact] == [h.source_id for h in chroma], c.id
        assert [h.field for h in exact] == [h.field for h in chroma]
        assert all(abs(a.score - b.score) <= 2e-4 for a, b in zip(exact, chroma, strict=True))
        asked += 1
    assert asked >= 50


def test_a_missing_vector_is_answered_by_chroma(indexed, monkeypatch):
    session = indexed
    founder = session.exec(select(Person).where(Person.access == "founder")).one()
    c = session.exec(select(CheckIn).where(CheckIn.blockers != "").order_by(CheckIn.id)).first()
    query = history_query(c.blockers, c.priorities)
    assert search._query_stored(session, query, {c.person_id}, None, 5) is not None
    session.exec(delete(TextVector).where(TextVector.key == text_key(get_embedder().model_id, c.blockers.strip())))
    session.commit()
    assert search._query_stored(session, query, {c.person_id}, None, 5) is None
    exact, chroma = _both(session, founder, query, c.person_id, monkeypatch)
    assert exact and [h.source_id for h in exact] == [h.source_id for h in chroma]


def test_a_member_asking_for_someone_else_gets_nothing(indexed):
    session = indexed
    members = session.exec(select(Person).where(Person.access == "member").order_by(Person.id)).all()
    viewer, other = members[0], members[1]
    theirs = session.exec(select(CheckIn).where(CheckIn.person_id == other.id, CheckIn.blockers != "")).first()
    assert search.search_checkins(session, viewer, theirs.blockers, k=5, person_ids={other.id}) == []
