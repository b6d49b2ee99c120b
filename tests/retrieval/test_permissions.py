"""Property: over generated orgs, no search hit belongs to someone the viewer may not see."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlmodel import Session

from assistant import retrieval
from assistant.domain.models import CheckIn, Outbox, Person
from assistant.retrieval import store

PHRASES = [
    "supplier shipment delayed again", "TACOS climbing while ACOS falls", "refund limit blocks agents",
    "photo shoot waiting on samples", "inventory stock-out risk on hero SKU", "repeat purchase rate dipped",
    "listing conversion improved", "new creative test launched", "3PL receiving is slow",
]
QUERIES = ["supplier delays", "ads efficiency", "customer refunds", "stock running out", "creative tests"]


@st.composite
def orgs(draw):
    n = draw(st.integers(min_value=1, max_value=7))
    people = []
    for i in range(n):
        manager = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=i - 1))) if i else None
        access = draw(st.sampled_from(["member", "manager", "founder"]))
        weeks = draw(st.lists(st.integers(min_value=1, max_value=4), max_size=2, unique=True))
        texts = [draw(st.sampled_from(PHRASES)) for _ in weeks]
        people.append({"manager": manager, "access": access, "checkins": list(zip(weeks, texts, strict=True))})
    return people


def _expected_visible(people: list[dict], viewer: int) -> set[int]:
    """Reference rule, written independently of team.py."""
    if people[viewer]["access"] == "founder":
        return set(range(len(people)))
    seen = {viewer}
    if people[viewer]["access"] == "manager":
        changed = True
        while changed:
            changed = False
            for i, p in enumerate(people):
                if p["manager"] in seen and i not in seen:
                    seen.add(i)
                    changed = True
    return seen


@pytest.fixture(autouse=True)
def _fresh_chroma():
    store.reset_clients()
    yield
    store.reset_clients()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(org=orgs(), query=st.sampled_from(QUERIES))
def test_no_hit_outside_the_viewers_view(engine, org, query):
    with Session(engine, expire_on_commit=False) as session:
        for table in (Outbox, CheckIn, Person):
            session.exec(delete(table))
        rows = []
        for i, p in enumerate(org):
            row = Person(email=f"p{i}@x.test", name=f"P{i}", role="PPC specialist", access=p["access"],
                         manager_id=rows[p["manager"]].id if p["manager"] is not None else None)
            session.add(row)
            session.flush()
            rows.append(row)
            for week, text in p["checkins"]:
                checkin = CheckIn(person_id=row.id, week=f"2026-W0{week}", blockers=text, wins=text[::-1])
                session.add(checkin)
                session.flush()
                retrieval.enqueue_checkin(session, checkin.id)
        session.commit()
        store.drop_collection(store.CHECKINS)  # each example starts from an empty index
        retrieval.drain_all(engine)
        index_of = {r.id: i for i, r in enumerate(rows)}
        everyone = [r.id for r in rows]
        for v, viewer in enumerate(rows):
            allowed = _expected_visible(org, v)
            for person_ids in (None, everyone):  # asking for everyone must not widen the view
                hits = retrieval.search_checkins(session, viewer, query, k=10, person_ids=person_ids)
                assert {index_of[h.person_id] for h in hits} <= allowed
                own = sum(len(org[i]["checkins"]) for i in allowed)
                assert len(hits) == min(10, own)  # and everything visible is still reachable
        session.commit()
