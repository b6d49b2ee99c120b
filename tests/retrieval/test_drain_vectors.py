"""The outbox drain stores each check-in's texts' vectors (documents and analysis units) as it
indexes, in steps, and re-draining unchanged check-ins embeds nothing."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func
from sqlmodel import select

from assistant import retrieval
from assistant.analysis.text import analysis_units
from assistant.core.embeddings import EmbeddingUnavailable, get_embedder
from assistant.domain.models import CheckIn, Person, TextVector
from assistant.domain.vectors import known_vectors
from assistant.retrieval import index as indexer
from assistant.retrieval import store


@pytest.fixture(autouse=True)
def _fresh_chroma(monkeypatch):
    store.reset_clients()
    monkeypatch.setattr(indexer, "DRAIN_STEP", 2)  # five check-ins: three steps, two of them written beside embedding
    yield
    store.reset_clients()




def _org(session) -> list[int]:
    p = Person(email="ana@x.co", name="Ana", role="Supply chain manager", access="founder")
    session.add(p)
    session.flush()
    ids = []
    for i in range(5):
        c = CheckIn(person_id=p.id, week=f"2026-W{10 + i}", wins=f"Closed PO {i}. Booked the freight.",
                    priorities="- Chase the supplier\n- Plan Q4", blockers=f"Supplier late {i}")
        session.add(c)
        session.flush()
        retrieval.enqueue_checkin(session, c.id)
        ids.append(c.id)
    session.commit()
    return ids


def _documents(checkin_id: int) -> dict[str, str]:
    got = store.collection(store.CHECKINS).get(where={"checkin_id": checkin_id}, include=["documents"])
    return dict(zip(got["ids"], got["documents"], strict=True))


def test_the_drain_stores_every_text_once_and_a_redrain_embeds_nothing(session, engine, embedder_calls):
    ids = _org(session)
    assert retrieval.drain_all(engine) == 5
    rows = list(session.exec(select(CheckIn)))
    docs = [t for c in rows for _, t, _ in indexer.checkin_documents(c)]
    texts = set(docs) | {u for c in rows for u in analysis_units(c)}
    assert sorted(embedder_calls) == sorted(texts)  # each distinct text embedded once across the steps
    model = get_embedder().model_id
    assert set(known_vectors(session, texts, model)) == texts
    assert session.exec(select(func.count()).select_from(TextVector)).one() == len(texts)
    got = store.collection(store.CHECKINS).get(ids=[f"checkin:{ids[3]}:blockers"], include=["embeddings"])
    stored = known_vectors(session, ["Supplier late 3"], model)["Supplier late 3"]  # the blocker's unit too
    assert np.array_equal(np.asarray(got["embeddings"][0], dtype=np.float32), stored)
    session.rollback()
    embedder_calls.clear()
    for cid in ids:
        retrieval.enqueue_checkin(session, cid)
    session.commit()
    assert retrieval.drain_all(engine) == 5
    assert embedder_calls == [] and len(_documents(ids[0])) == 3


def test_an_emptied_field_and_a_deleted_checkin_leave_the_index(session, engine):
    ids = _org(session)
    retrieval.drain_all(engine)
    emptied = session.get(CheckIn, ids[1])
    emptied.blockers = ""
    session.add(emptied)
    session.delete(session.get(CheckIn, ids[4]))
    retrieval.enqueue_checkin(session, ids[1])
    retrieval.enqueue_checkin(session, ids[4], "delete")
    session.commit()
    retrieval.drain_all(engine)
    assert sorted(_documents(ids[1])) == [f"checkin:{ids[1]}:priorities", f"checkin:{ids[1]}:wins"]
    assert _documents(ids[4]) == {}
    assert len(_documents(ids[0])) == 3
    assert retrieval.index_health(session)["status"] == "ok"


def test_a_drain_of_deletions_needs_no_embedder(session, engine, monkeypatch):
    ids = _org(session)
    retrieval.drain_all(engine)
    session.delete(session.get(CheckIn, ids[0]))
    retrieval.enqueue_checkin(session, ids[0], "delete")
    session.commit()

    def unavailable():
        raise EmbeddingUnavailable("model files missing")

    monkeypatch.setattr(indexer, "get_embedder", unavailable)
    assert retrieval.drain_all(engine) == 1
    assert _documents(ids[0]) == {}
