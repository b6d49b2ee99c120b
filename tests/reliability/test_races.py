"""Races a single process can lose on PostgreSQL: many requests at once spending one thing.

SQLite serialises writers (BEGIN IMMEDIATE), so these races only show on PostgreSQL, whose
READ COMMITTED lets every concurrent transaction read the thing as still unspent. Each test
fires N requests through their own TestClient at a barrier and counts what got through.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from assistant.core import db as dbmod
from assistant.domain.models import ApiToken, Person
from assistant.domain.orgfile import import_org, read_org_file
from assistant.settings import get_settings
from tests.conftest import SMALL_ORG
from tests.reliability.conftest import figure
from tests.web.conftest import csrf_of

N = 12


@pytest.fixture
def app_on(db_url, monkeypatch):
    """The app on this test's own database, with the small org imported."""
    monkeypatch.setenv("CADENCE_DATABASE_URL", db_url)
    get_settings.cache_clear()
    dbmod.get_engine.cache_clear()
    engine = dbmod.get_engine()
    with Session(engine) as session:
        import_org(session, read_org_file(SMALL_ORG))
        session.commit()
    from assistant.app import create_app

    yield create_app(), engine
    engine.dispose()
    dbmod.get_engine.cache_clear()


def _at_once(n: int, prepare, fire) -> list:  # noqa: ANN001
    """``prepare(i)`` in each thread, then all ``fire(i, prepared)`` released together."""
    barrier = threading.Barrier(n)

    def run(i: int):  # noqa: ANN202
        ready = prepare(i)
        barrier.wait()
        return fire(i, ready)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_a_signin_link_opens_one_session_however_many_redeem_it(app_on, monkeypatch):
    app, engine = app_on
    from assistant.web import signin
    from assistant.web.signin import create_signin_link

    real_create = signin.create_token

    def slow_create(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        # a busy database: the redeem's transaction stays open a while after it spent the link,
        # so every other redeem reads the link before that one commits
        time.sleep(0.3)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(signin, "create_token", slow_create)

    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.email == "am@t.test")).one()
        link = create_signin_link(session, person, "http://testserver")
        session.commit()
    token = link.split("t=", 1)[1]

    def prepare(_: int):  # noqa: ANN202
        client = TestClient(app)
        return client, csrf_of(client.get(f"/signin/link?t={token}").text)

    def fire(_: int, ready) -> int:  # noqa: ANN001
        client, csrf = ready
        return client.post("/signin/link", data={"csrf": csrf, "t": token}, follow_redirects=False).status_code

    codes = _at_once(N, prepare, fire)
    with Session(engine) as session:
        opened = session.exec(select(func.count()).select_from(ApiToken).where(ApiToken.name == "web session")).one()
    kind = engine.dialect.name
    figure("races", f"{kind}: {N} concurrent redeems of one sign-in link, sessions opened", opened)
    assert sorted(codes) == [303] + [401] * (N - 1), codes
    assert opened == 1


def test_one_goal_suggestion_accepted_at_once_makes_one_goal(app_on, monkeypatch):
    app, engine = app_on
    from assistant.domain.auth import create_token
    from assistant.domain.models import RoleGoal
    from assistant.drafting.kinds import goals
    from tests.web.conftest import add_draft, goals_content

    with Session(engine, expire_on_commit=False) as session:
        lead = session.exec(select(Person).where(Person.email == "growth-lead@t.test")).one()
        ppc = session.exec(select(Person).where(Person.email == "ppc@t.test")).one()
        draft = add_draft(session, kind="goals", subject=ppc, viewer=lead, period="2026-Q4", **goals_content())
        token = create_token(session, lead)
        session.commit()
        before = session.exec(select(func.count()).select_from(RoleGoal)).one()
    real_create = goals.create_goal

    def slow_create(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        goal = real_create(*args, **kwargs)
        time.sleep(0.3)  # the goal is written; the draft not yet marked: the window a second accept used
        return goal

    monkeypatch.setattr(goals, "create_goal", slow_create)

    def fire(_: int, client) -> int:  # noqa: ANN001
        return client.post(f"/api/drafts/{draft.id}/goals/0/accept",
                           headers={"Authorization": f"Bearer {token}"}).status_code

    codes = _at_once(N, lambda _: TestClient(app), fire)
    with Session(engine) as session:
        made = session.exec(select(func.count()).select_from(RoleGoal)).one() - before
    figure("races", f"{engine.dialect.name}: {N} concurrent accepts of one suggestion, goals stored", made)
    assert sorted(codes) == [201] + [409] * (N - 1), codes
    assert made == 1


HOLD = """
import sys, time
from assistant.core.db import make_engine
from assistant.retrieval.lease import drain_lock
lock = drain_lock(make_engine(sys.argv[1]))
print("held" if lock.acquire() else "refused", flush=True)
time.sleep(600)
"""


def test_one_process_holds_the_drain_lock_until_it_dies(db_url, monkeypatch, tmp_path):
    """With a Chroma server the drainer's lock is PostgreSQL's (workers may be on several
    machines); on SQLite it is CADENCE_HOME/indexer.lock. Either way one holder, and the lock
    goes with a killed process."""
    import os
    import subprocess
    import sys

    from assistant.core.db import make_engine
    from assistant.retrieval.lease import drain_lock
    from tests.conftest import ROOT

    monkeypatch.setenv("CADENCE_CHROMA_URL", "http://127.0.0.1:9")  # a Chroma server (never contacted here)
    get_settings.cache_clear()
    engine = make_engine(db_url)
    env = {**os.environ, "CADENCE_HOME": str(get_settings().home), "CADENCE_CHROMA_URL": "http://127.0.0.1:9"}
    holder = subprocess.Popen([sys.executable, "-c", HOLD, db_url], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        here, again = drain_lock(engine), drain_lock(engine)
        kind = type(here).__name__
        assert kind == ("AdvisoryLock" if engine.dialect.name == "postgresql" else "FileLock")
        assert here.acquire() is False and here.held is False
        holder.kill()
        holder.wait(30)
        assert _wait_for(here.acquire), f"{kind} not released with its process"
        assert here.held and again.acquire() is False  # one holder inside a process too
        here.release()
        assert again.acquire() is True
        again.release()
        figure("races", f"{engine.dialect.name}: drain lock ({kind}) holders at once", 1)
    finally:
        if holder.poll() is None:
            holder.kill()
        engine.dispose()


def _wait_for(attempt, seconds: float = 20) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if attempt():
            return True
        time.sleep(0.2)
    return False
