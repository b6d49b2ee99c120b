"""Check-in writes: validation limits, idempotency, commit inside the request."""

from __future__ import annotations

from sqlmodel import func, select

from assistant.domain.models import CheckIn, Outbox
from tests.conftest import auth


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_create_then_update_same_week(client, tokens, session):
    h = auth(tokens["ppc@t.test"])
    body = {"week": "2026-W40", "wins": "TACOS back to 9.8", "metrics": {"ppc-tacos": "on_track"}}
    r1 = client.post("/api/checkins", json=body, headers=h)
    assert r1.status_code == 201
    r2 = client.post("/api/checkins", json=body | {"wins": "TACOS 9.6"}, headers=h)
    assert r2.status_code == 200 and r2.json()["id"] == r1.json()["id"] and r2.json()["wins"] == "TACOS 9.6"
    rows = session.exec(select(CheckIn).where(CheckIn.week == "2026-W40")).all()
    assert len(rows) == 1
    # Each write queued index work in the same transaction.
    assert session.exec(select(func.count()).select_from(Outbox).where(Outbox.entity == "checkin",
                                                                       Outbox.entity_id == rows[0].id)).one() == 2


def test_validation_limits_change_nothing(client, tokens, session):
    h = auth(tokens["ppc@t.test"])
    before = count(session, CheckIn)
    bad = [
        {"week": "2026-W40", "wins": "x" * 4001},
        {"week": "2026-W54"},
        {"week": "40"},
        {"week": "2026-W40", "metrics": {"ppc-tacos": "great"}},
        {"week": "2026-W40", "metrics": {"ops-turnover": "on_track"}},  # not the author's KPI
        {"week": "2026-W40", "mood": "fine"},
    ]
    for body in bad:
        r = client.post("/api/checkins", json=body, headers=h)
        assert r.status_code == 422, body
        assert r.json()["error"] == "invalid_input" and r.json()["message"]
    assert count(session, CheckIn) == before
    ok = client.post("/api/checkins", json={"week": "2026-W40", "wins": "x" * 4000}, headers=h)
    assert ok.status_code == 201


def test_idempotency_key_replays_and_conflicts(client, tokens, session):
    h = auth(tokens["am@t.test"]) | {"Idempotency-Key": "abc-123"}
    body = {"week": "2026-W41", "wins": "Rank 3 on hero keyword"}
    r1 = client.post("/api/checkins", json=body, headers=h)
    r2 = client.post("/api/checkins", json=body, headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json()
    assert session.exec(select(func.count()).select_from(CheckIn).where(CheckIn.week == "2026-W41")).one() == 1
    r3 = client.post("/api/checkins", json=body | {"wins": "something else"}, headers=h)
    assert r3.status_code == 409 and r3.json()["error"] == "conflict"
    # The same key from another person is their own key.
    other = client.post("/api/checkins", json=body, headers=auth(tokens["ppc@t.test"]) | {"Idempotency-Key": "abc-123"})
    assert other.status_code == 201


def test_filters_and_delete(client, tokens, org, session):
    h = auth(tokens["ppc@t.test"])
    weeks = [c["week"] for c in client.get("/api/checkins?week_from=2026-W38&week_to=2026-W38", headers=h).json()]
    assert weeks == ["2026-W38"]
    assert client.get("/api/checkins?week_from=junk", headers=h).status_code == 422
    cid = client.get("/api/checkins", headers=h).json()[0]["id"]
    # The manager may read it but not delete it; another team cannot see it at all.
    assert client.delete(f"/api/checkins/{cid}", headers=auth(tokens["growth-lead@t.test"])).status_code == 403
    assert client.delete(f"/api/checkins/{cid}", headers=auth(tokens["ops-lead@t.test"])).status_code == 404
    assert client.delete(f"/api/checkins/{cid}", headers=h).status_code == 204
    assert client.get(f"/api/checkins/{cid}", headers=h).status_code == 404
    ops = session.exec(select(Outbox).where(Outbox.entity_id == cid, Outbox.op == "delete")).all()
    assert len(ops) == 1


def test_idempotent_replay_holds_no_transaction_after_rollback(client, tokens, session, engine):
    """The replay path ends its write transaction before answering; reading the stored
    answer afterwards must not begin another one (a rollback expires ORM rows, and reading
    an expired row reloads it, in a write transaction that would outlive the handler)."""
    from assistant.core.db import begin_write
    from assistant.domain.checkins import body_hash, find_replay
    from assistant.domain.models import Person

    body = {"week": "2026-W40", "wins": "Shipped"}
    first = client.post("/api/checkins", json=body, headers=auth(tokens["am@t.test"]) | {"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    person = session.exec(select(Person).where(Person.email == "am@t.test")).one()
    session.commit()
    begin_write(session)
    replay = find_replay(session, person.id, "k-1", body_hash(
        {"week": "2026-W40", "wins": "Shipped", "priorities": "", "blockers": "", "metrics": {}}))
    session.rollback()
    assert replay is not None
    assert (replay.status_code, replay.response["id"]) == (201, first.json()["id"])
    assert not session.in_transaction()
