"""One drainer per index, whatever starts the app: a second server process on the same
embedded index (uvicorn --workers 2, two `uvicorn server:app`) does not drain, says so in
/api/health, and takes over when the first one stops."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from assistant.domain.auth import create_token
from assistant.domain.models import Outbox, Person
from assistant.domain.orgfile import import_org, read_org_file
from assistant.retrieval import store
from assistant.settings import get_settings
from tests.conftest import ROOT, SMALL_ORG


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pending(engine) -> int:  # noqa: ANN001
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Outbox)).one()


def _wait(predicate, seconds: float = 90) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_a_second_server_process_leaves_the_embedded_index_to_the_first(engine, tmp_path, monkeypatch):
    home = get_settings().home
    with Session(engine) as session:
        import_org(session, read_org_file(SMALL_ORG))
        token = create_token(session, session.exec(select(Person).where(Person.email == "ppc@t.test")).one())
        session.commit()
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env.update(CADENCE_HOME=str(home), CADENCE_INDEXER="thread",
               CADENCE_DATABASE_URL=engine.url.render_as_string(hide_password=False))
    with open(tmp_path / "first.log", "w") as log:
        first = subprocess.Popen([sys.executable, "-m", "uvicorn", "server:app", "--port", str(port)], cwd=ROOT,
                                 env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/api/health"

        def first_drains() -> bool:
            try:
                return httpx.get(url, timeout=5).json()["indexer"]["draining"] is True
            except (httpx.HTTPError, KeyError, TypeError):
                return False

        assert _wait(first_drains), (tmp_path / "first.log").read_text()[-3000:]
        monkeypatch.setenv("CADENCE_INDEXER", "thread")
        get_settings.cache_clear()
        store.reset_clients()
        with TestClient(create_app_here()) as second:
            headers = {"Authorization": f"Bearer {token}"}
            for week in ("2026-W40", "2026-W41", "2026-W42"):
                assert second.post("/api/checkins", json={"week": week, "wins": f"Shipped {week}"},
                                   headers=headers).status_code == 201
            assert _wait(lambda: _pending(engine) == 0), "the first process did not drain"
            # this process's indexer checks the index files first, then looks for the lock
            assert _wait(lambda: not second.get("/api/health").json()["indexer"]["detail"].startswith("checking"))
            mine = second.get("/api/health").json()["indexer"]
            assert mine["draining"] is False and "another process" in mine["detail"]
            assert second.app.state.indexer.drained == 0
            first.terminate()
            first.wait(30)
            # the lock went with the first process: this one takes over and drains
            assert second.post("/api/checkins", json={"week": "2026-W43", "wins": "Took over"},
                               headers=headers).status_code == 201
            assert _wait(lambda: _pending(engine) == 0 and second.get("/api/health").json()["indexer"]["draining"])
            assert second.app.state.indexer.drained >= 1
    finally:
        if first.poll() is None:
            first.kill()
        store.reset_clients()


def create_app_here():  # noqa: ANN201
    from assistant.app import create_app

    return create_app()

