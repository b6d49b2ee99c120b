"""The analysis reads the vectors the index stored: no embedder call at request time for indexed
check-ins, and the same verdicts, scores and threads as embedding on the spot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from assistant.analysis import text as T
from assistant.core.embeddings import get_embedder
from assistant.domain.models import CheckIn, Person
from assistant.domain.vectors import known_vectors, vectors_for
from assistant.retrieval import store
from assistant.retrieval.index import index_checkins

DEMO = Path(__file__).resolve().parents[2] / "demo" / "northwind.yaml"


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


@pytest.fixture
def demo(session):
    from assistant.domain.orgfile import import_org, read_org_file

    import_org(session, read_org_file(DEMO))
    session.commit()
    return list(session.exec(select(Person).order_by(Person.id)))


def _analysis(session, people):
    out = []
    for person in people:
        weeks = sorted(c.week for c in session.exec(select(CheckIn).where(CheckIn.person_id == person.id)))
        if not weeks:
            continue
        out.append([f.model_dump() for f in T.priority_follow_through(session, person, weeks)])
        out.append([g.model_dump() for g in T.thread_blockers(session, person, weeks[-1], lookback=52)])
    return out




def test_indexed_checkins_need_no_embedder_call_and_give_the_same_analysis(session, demo, embedder_calls):
    before = _analysis(session, demo)  # nothing stored yet: every text embedded on the spot
    assert embedder_calls and any(r and r[0].get("method") == "embedding" for r in before)
    index_checkins(list(session.exec(select(CheckIn))), delete_first=[])
    session.rollback()  # the index wrote in its own transaction: read what it wrote
    embedder_calls.clear()
    after = _analysis(session, demo)
    assert embedder_calls == []
    assert after == before


def test_the_analysis_embeds_only_units(session, demo, embedder_calls):
    _analysis(session, demo)
    units = {u for c in session.exec(select(CheckIn)) for u in T.analysis_units(c)}
    # a superset: the last week's priorities have no next week to be compared with, and so on
    assert set(embedder_calls) <= units and len(set(embedder_calls)) > len(units) / 2


def test_stored_vectors_agree_with_fresh_ones(session, demo):
    rows = list(session.exec(select(CheckIn)))
    index_checkins(rows, delete_first=[])
    session.rollback()
    units = list(dict.fromkeys(u for c in rows for u in T.analysis_units(c)))
    embedder = get_embedder()
    assert len(known_vectors(session, units, embedder.model_id)) == len(units)
    stored = vectors_for(session, units)
    fresh = np.asarray(embedder.embed(units), dtype=np.float64)
    assert stored.dtype == np.float64 and np.abs(stored @ stored.T - fresh @ fresh.T).max() < 1e-6


def test_a_reader_embeds_what_is_missing_and_stores_nothing(session, solo_text="Waiting on the 3PL invoice."):
    embedder = get_embedder()
    got = vectors_for(session, [solo_text, solo_text])
    assert got.shape == (2, embedder.dimension)
    assert np.allclose(got[0], np.asarray(embedder.embed([solo_text])[0]), atol=1e-7)
    assert known_vectors(session, [solo_text], embedder.model_id) == {}


def test_without_an_embedder_the_keyword_fallback_still_runs(session, demo):
    class Broken:
        model_id, dimension = "broken", 0

        def embed(self, texts):
            raise RuntimeError("model files missing")

    person = next(p for p in demo if session.exec(select(CheckIn).where(CheckIn.person_id == p.id)).first())
    weeks = sorted(c.week for c in session.exec(select(CheckIn).where(CheckIn.person_id == person.id)))
    groups = T.thread_blockers(session, person, weeks[-1], lookback=52, embedder=Broken())
    assert groups and all(g.method == "keywords" for g in groups)
