"""The retrieval index: outbox drain, viewer filtering, deletes, failures, reindex, health."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import select

from assistant import retrieval
from assistant.domain.models import CheckIn, Outbox, Person
from assistant.retrieval import store
from assistant.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


def _person(session, email, access="member", manager=None, role="PPC specialist"):
    p = Person(email=email, name=email.split("@")[0].title(), role=role, access=access,
               manager_id=manager.id if manager else None)
    session.add(p)
    session.flush()
    return p


def _checkin(session, person, week, *, wins="", priorities="", blockers="", metrics=None):
    c = CheckIn(person_id=person.id, week=week, wins=wins, priorities=priorities, blockers=blockers,
                metrics=metrics or {})
    session.add(c)
    session.flush()
    retrieval.enqueue_checkin(session, c.id)
    return c


@pytest.fixture
def org(session):
    """A founder; ops manager with two reports; marketing manager with one report."""
    p = {}
    p["founder"] = _person(session, "founder@x.co", "founder", role="Founder")
    p["ops"] = _person(session, "ops@x.co", "manager", p["founder"], role="Operations manager")
    p["ana"] = _person(session, "ana@x.co", "member", p["ops"], role="Supply chain manager")
    p["ben"] = _person(session, "ben@x.co", "member", p["ops"], role="Operations manager")
    p["mkt"] = _person(session, "mkt@x.co", "manager", p["founder"], role="Brand manager")
    p["cat"] = _person(session, "cat@x.co", "member", p["mkt"], role="PPC specialist")
    c = {}
    c["ana1"] = _checkin(session, p["ana"], "2026-W10", wins="Closed the Q1 PO on time",
                         blockers="Our supplier pushed the shipment back again; the hero SKU may stock out.")
    c["ana2"] = _checkin(session, p["ana"], "2026-W11", wins="IPI back above 500",
                         blockers="The factory is late with the bottles for the third week running.")
    c["ben1"] = _checkin(session, p["ben"], "2026-W11", wins="Receiving backlog cleared",
                         priorities="Cut receiving issue time to two days")
    c["ben2"] = _checkin(session, p["ben"], "2026-W12", wins="Trained two new packers",
                         priorities="Count cycle stock in aisle 4")
    c["cat1"] = _checkin(session, p["cat"], "2026-W11", wins="TACOS down to 11%",
                         blockers="Packaging vendor delays hold up the new bundle listing.",
                         metrics={"ppc-tacos": "on_track"})
    c["cat2"] = _checkin(session, p["cat"], "2026-W12", wins="New-to-brand orders up",
                         priorities="Test two new video ads")
    session.commit()
    return p, c


def _src(hits):
    return [h.source_id for h in hits]


def test_drain_then_search_finds_recurring_blocker_for_the_manager_only(session, engine, org):
    people, cks = org
    assert retrieval.drain_outbox(engine) == 6
    assert session.exec(select(Outbox)).all() == []
    session.rollback()
    hits = retrieval.search_checkins(session, people["ops"], "supplier delays", k=5)
    ids = _src(hits)
    assert {f"checkin:{cks['ana1'].id}", f"checkin:{cks['ana2'].id}"} <= set(ids[:3])
    assert hits[0].person_id == people["ana"].id
    assert f"checkin:{cks['cat1'].id}" not in ids  # other team's supplier blocker
    assert {h.person_id for h in hits} <= {people["ops"].id, people["ana"].id, people["ben"].id}
    top = hits[0]
    assert f"checkin:{cks['ben2'].id}" not in ids[:3]
    assert top.field == "blockers" and top.text.startswith("Blockers:") and top.week in ("2026-W10", "2026-W11")
    assert hits == sorted(hits, key=lambda h: -h.score)
    # the founder sees every team's supplier trouble
    founder_ids = _src(retrieval.search_checkins(session, people["founder"], "supplier delays", k=3))
    assert f"checkin:{cks['cat1'].id}" in founder_ids
    # a member sees only their own
    own = retrieval.search_checkins(session, people["ben"], "supplier delays", k=5)
    assert {h.person_id for h in own} == {people["ben"].id}


def test_related_scores_higher_than_unrelated(session, engine, org):
    people, cks = org
    retrieval.drain_outbox(engine)
    hits = retrieval.search_checkins(session, people["founder"], "the shipment from our supplier slipped", k=6)
    by_id = {h.source_id: h.score for h in hits}
    assert by_id[f"checkin:{cks['ana1'].id}"] > by_id.get(f"checkin:{cks['cat2'].id}", -1) + 0.1


def test_filters_person_ids_and_weeks(session, engine, org):
    people, cks = org
    retrieval.drain_outbox(engine)
    only_ana_w11 = retrieval.search_checkins(session, people["founder"], "supplier", person_ids=[people["ana"].id],
                                             weeks=["2026-W11"])
    assert _src(only_ana_w11) == [f"checkin:{cks['ana2'].id}"]
    # asking for someone outside the viewer's view returns nothing rather than their data
    assert retrieval.search_checkins(session, people["ops"], "supplier", person_ids=[people["cat"].id]) == []
    assert retrieval.search_checkins(session, people["ops"], "   ") == []


def test_delete_removes_from_index(session, engine, org):
    people, cks = org
    retrieval.drain_outbox(engine)
    gone = cks["ana2"].id
    session.delete(session.get(CheckIn, gone))
    retrieval.enqueue_checkin(session, gone, op="delete")
    session.commit()
    # before the drain, SQL (the record) already hides it
    assert f"checkin:{gone}" not in _src(retrieval.search_checkins(session, people["ops"], "factory late bottles"))
    session.rollback()
    assert retrieval.drain_outbox(engine) == 1
    assert store.collection(store.CHECKINS).get(where={"checkin_id": gone})["ids"] == []
    assert retrieval.index_health(session)["parity"] is True


def test_update_replaces_old_field_documents(session, engine, org):
    people, cks = org
    retrieval.drain_outbox(engine)
    row = session.get(CheckIn, cks["ana1"].id)
    row.blockers = ""
    session.add(row)
    retrieval.enqueue_checkin(session, row.id)
    session.commit()
    retrieval.drain_outbox(engine)
    ids = store.collection(store.CHECKINS).get(where={"checkin_id": row.id})["ids"]
    assert ids == [f"checkin:{row.id}:wins"]


def test_chroma_down_keeps_the_work_and_catches_up(session, engine, org, monkeypatch):
    people, _ = org

    def broken(kind):
        raise ConnectionError("chroma is down")

    monkeypatch.setattr(store, "collection", broken)
    assert retrieval.drain_outbox(engine) == 0  # does not raise
    rows = session.exec(select(Outbox)).all()
    session.rollback()
    assert len(rows) == 6 and all(r.attempts == 1 and "chroma is down" in r.last_error for r in rows)
    health = retrieval.index_health(session)
    session.rollback()
    assert health["status"] == "error" and "chroma is down" in health["error"]
    assert health["outbox_pending"] == 6 and health["outbox_failing"] == 6
    # a new check-in is still saved while the index is broken
    _checkin(session, people["ben"], "2026-W14", wins="Saved anyway")
    session.commit()
    monkeypatch.undo()
    assert retrieval.drain_all(engine) == 7
    health = retrieval.index_health(session)
    assert health["parity"] and health["checkins_indexed"] == health["checkins_sql"] == 7
    assert health["status"] == "ok"


def test_reindex_restores_parity_after_the_folder_is_deleted(session, engine, org):
    retrieval.drain_outbox(engine)
    store.reset_clients()
    shutil.rmtree(get_settings().home / "chroma")
    store.reset_clients()
    assert retrieval.index_health(session)["parity"] is False
    session.rollback()
    result = retrieval.reindex(engine, progress=False)
    assert result["checkins"] == 6 and result["documents"] >= 5 and result["playbook_sections"] > 30
    health = retrieval.index_health(session)
    assert health["parity"] and health["checkins_indexed"] == 6 and health["outbox_pending"] == 0


def test_reindex_clears_covered_outbox_rows(session, engine, org):
    index_rows = select(Outbox).where(Outbox.entity == "checkin")
    assert len(session.exec(index_rows).all()) == 6
    session.rollback()  # end the read: SQLite's BEGIN IMMEDIATE would block the indexer's write
    retrieval.reindex(engine, progress=False)
    assert session.exec(index_rows).all() == []
    # the index rebuild leaves the assessments' queued rows to their own refresh
    assert session.exec(select(Outbox).where(Outbox.entity == "assessment")).all()


def test_never_uses_chromas_default_embedding_function(session, engine, org, monkeypatch):
    from chromadb.utils import embedding_functions

    def refuse(self, input):  # noqa: A002 - Chroma checks this exact signature
        raise AssertionError("Chroma's default embedding function would download a model")

    def refuse_init(self, *a, **kw):
        raise AssertionError("Chroma's default embedding function was built")

    monkeypatch.setattr(embedding_functions.DefaultEmbeddingFunction, "__call__", refuse)
    monkeypatch.setattr(embedding_functions.DefaultEmbeddingFunction, "__init__", refuse_init)
    people, _ = org
    retrieval.drain_outbox(engine)
    assert retrieval.search_checkins(session, people["founder"], "supplier")
    assert retrieval.search_playbook("vanity metrics")


def test_empty_index_and_empty_checkin(session, engine):
    founder = _person(session, "f@x.co", "founder")
    assert retrieval.search_checkins(session, founder, "anything") == []
    _checkin(session, founder, "2026-W01")
    session.commit()
    retrieval.drain_outbox(engine)
    health = retrieval.index_health(session)
    assert health["checkins_indexed"] == 1 and health["parity"]


def test_indexer_thread_drains_every_interval(session, engine, org):
    import time

    worker = retrieval.IndexerThread(engine, interval=0.5).start()
    try:
        deadline = time.monotonic() + 20
        while session.exec(select(Outbox)).all() and time.monotonic() < deadline:
            session.rollback()  # a read holds SQLite's write lock (BEGIN IMMEDIATE) until it ends
            time.sleep(0.1)
        assert session.exec(select(Outbox)).all() == []
        people, _ = org
        _checkin(session, people["ben"], "2026-W13", blockers="Carrier lost a pallet")
        session.commit()
        deadline = time.monotonic() + 20
        while session.exec(select(Outbox)).all() and time.monotonic() < deadline:
            session.rollback()  # a read holds SQLite's write lock (BEGIN IMMEDIATE) until it ends
            time.sleep(0.1)
        assert session.exec(select(Outbox)).all() == []
    finally:
        worker.stop()


def test_enqueue_rejects_unknown_op(session):
    with pytest.raises(ValueError):
        retrieval.enqueue_checkin(session, 1, op="merge")



def test_documents_carry_person_and_week_but_no_team(session, engine, org):
    people, cks = org
    retrieval.drain_outbox(engine)
    got = store.collection(store.CHECKINS).get(where={"checkin_id": cks["ana1"].id}, include=["metadatas"])
    assert sorted(got["ids"]) == [f"checkin:{cks['ana1'].id}:blockers", f"checkin:{cks['ana1'].id}:wins"]
    for meta in got["metadatas"]:
        assert meta["person_id"] == people["ana"].id and meta["week"] == "2026-W10"
        # who may see a check-in is decided in SQL at query time, never from the index
        assert set(meta) == {"checkin_id", "person_id", "week", "field", "primary", "version", "sha"}
    assert sum(bool(m["primary"]) for m in got["metadatas"]) == 1
