"""Deletion: a deleted check-in or person leaves SQL and the search index."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from assistant import retrieval
from assistant.retrieval import store
from tests.conftest import auth
from tests.reliability.conftest import figure

CANARY_A, CANARY_B = "delcanaryalpha", "delcanarybeta"


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


def _sql_hits(session, needle: str) -> int:  # noqa: ANN001
    """Rows in any text or JSON column of any table that contain ``needle``."""
    hits = 0
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if _python_type(column) not in (int, float, bool):
                q = text(f'SELECT COUNT(*) FROM "{table.name}" WHERE CAST("{column.name}" AS TEXT) LIKE :n')  # noqa: S608
                hits += session.execute(q, {"n": f"%{needle}%"}).scalar_one()
    return hits


def _index_hits(needle: str) -> int:
    col = store.collection(store.CHECKINS)
    return sum(needle in (doc or "") for doc in col.get(include=["documents"])["documents"])


def _python_type(column) -> type | None:  # noqa: ANN001
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def test_delete_checkin_and_person_purge_sql_and_index(client, tokens, session, org):
    member = auth(tokens["ppc@t.test"])
    founder = auth(tokens["founder@t.test"])
    a = client.post("/api/checkins", json={"week": "2026-W40", "blockers": f"Private matter {CANARY_A}"},
                    headers={**member, "Idempotency-Key": "del-1"})
    b = client.post("/api/checkins", json={"week": "2026-W41", "wins": f"Another note {CANARY_B}"}, headers=member)
    assert a.status_code == b.status_code == 201
    retrieval.drain_all()
    before = {"sql_a": _sql_hits(session, CANARY_A), "index_a": _index_hits(CANARY_A)}
    assert before["sql_a"] >= 1 and before["index_a"] == 1
    # a check-in: its author deletes it
    assert client.delete(f"/api/checkins/{a.json()['id']}", headers=member).status_code == 204
    retrieval.drain_all()
    session.rollback()
    after_checkin = {"sql": _sql_hits(session, CANARY_A), "index": _index_hits(CANARY_A)}
    # a person: only a founder, never a member or a manager
    pid = org["ppc@t.test"].id
    assert client.delete(f"/api/people/{pid}", headers=auth(tokens["am@t.test"])).status_code == 404
    assert client.delete(f"/api/people/{pid}", headers=auth(tokens["growth-lead@t.test"])).status_code == 403
    assert client.delete(f"/api/people/{org['founder@t.test'].id}", headers=founder).status_code == 403
    assert client.delete(f"/api/people/{pid}", headers=founder).status_code == 204
    assert client.get(f"/api/people/{pid}", headers=founder).status_code == 404
    assert client.get("/api/people/me", headers=member).status_code == 401  # their tokens went too
    retrieval.drain_all()
    session.rollback()
    after_person = {"sql": _sql_hits(session, CANARY_B) + _sql_hits(session, "Cut bids on broad match"),
                    "index": _index_hits(CANARY_B) + _index_hits("Cut bids on broad match")}
    reports = session.execute(text("SELECT COUNT(*) FROM person WHERE manager_id = :p"), {"p": pid}).scalar_one()
    figure("deletion", "check-in text left in SQL / index after delete",
           f"{after_checkin['sql']}/{after_checkin['index']}")
    figure("deletion", "person's text left in SQL / index after delete",
           f"{after_person['sql']}/{after_person['index']}")
    assert after_checkin == {"sql": 0, "index": 0}
    assert after_person == {"sql": 0, "index": 0}
    assert reports == 0
