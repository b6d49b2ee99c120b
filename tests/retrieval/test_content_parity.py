"""Index health compares what is indexed with what SQL says, not how many; a drain never
writes an older version of a check-in over a newer one."""

from __future__ import annotations

from datetime import timedelta

from assistant import retrieval
from assistant.domain.models import CheckIn, Person, utcnow
from assistant.retrieval import store
from assistant.retrieval.index import index_checkins


def _indexed_text(checkin_id: int) -> str:
    got = store.collection(store.CHECKINS).get(where={"checkin_id": checkin_id}, include=["documents"])
    return " | ".join(sorted(got["documents"]))


def _org(session) -> list[CheckIn]:  # noqa: ANN001
    store.reset_clients()
    p = Person(email="ana@x.co", name="Ana", role="Supply chain manager", access="founder")
    session.add(p)
    session.flush()
    rows = []
    for i in range(5):
        c = CheckIn(person_id=p.id, week=f"2026-W{10 + i}", wins=f"Closed PO {i}", blockers=f"Supplier late {i}")
        session.add(c)
        session.flush()
        retrieval.enqueue_checkin(session, c.id)
        rows.append(c)
    session.commit()
    return rows


def test_parity_compares_content_not_counts(session, engine):
    rows = _org(session)
    retrieval.drain_all(engine)
    assert retrieval.index_health(session)["status"] == "ok"
    # the text changes in SQL and the index never hears of it (a lost write, a stale drain)
    stale = session.get(CheckIn, rows[2].id)
    stale.wins = "Rewritten after the index saw it"
    stale.updated_at = utcnow()
    session.add(stale)
    session.commit()
    health = retrieval.index_health(session)
    assert health["checkins_indexed"] == health["checkins_sql"]  # the counts still agree
    assert health["parity"] is False and health["status"] != "ok"
    assert health["content_checked"] == 5 and health["content_stale"] == 1


def test_a_drain_never_writes_an_older_version_over_a_newer_one(session, engine):
    rows = _org(session)
    retrieval.drain_all(engine)
    row = session.get(CheckIn, rows[0].id)
    older = CheckIn.model_validate(row.model_dump())  # what a slow drainer read a while ago
    older.updated_at = row.updated_at - timedelta(seconds=5)
    row.wins = "The newer text"
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    retrieval.enqueue_checkin(session, row.id)
    session.commit()
    retrieval.drain_all(engine)
    assert "The newer text" in _indexed_text(row.id)
    index_checkins([older], delete_first=[older.id])  # the slow drainer writes last
    assert "The newer text" in _indexed_text(row.id)
    assert retrieval.index_health(session)["content_stale"] == 0


def test_an_unusable_index_is_never_ok(session, engine):
    _org(session)
    retrieval.drain_all(engine)
    store.mark_unusable("index check failed: damaged file")
    try:
        health = retrieval.index_health(session)
    finally:
        store.mark_unusable(None)
    assert health["status"] == "error" and health["parity"] is False and "damaged" in health["error"]
