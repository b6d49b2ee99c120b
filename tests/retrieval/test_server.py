"""Server mode: with CADENCE_CHROMA_URL set, the index lives in a real `chroma run` server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from assistant import retrieval
from assistant.domain.models import CheckIn, Outbox, Person
from assistant.retrieval import store
from assistant.settings import get_settings

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    if not CHROMA.exists():
        pytest.skip("chroma CLI not installed")
    port = _free_port()
    log = open(tmp_path / "chroma.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_http_client_round_trip_and_outage(engine, session, chroma_server, monkeypatch, cadence_env):
    url, proc = chroma_server
    monkeypatch.setenv("CADENCE_CHROMA_URL", url)
    get_settings.cache_clear()
    store.reset_clients()
    try:
        assert store.get_client().__class__.__name__ != "PersistentClient"
        founder = Person(email="f@x.co", name="F", role="Founder", access="founder")
        session.add(founder)
        session.flush()
        row = CheckIn(person_id=founder.id, week="2026-W05", blockers="Supplier slipped the ship date again")
        session.add(row)
        session.flush()
        retrieval.enqueue_checkin(session, row.id)
        session.commit()
        assert retrieval.drain_outbox(engine) == 1
        hits = retrieval.search_checkins(session, founder, "supplier delays")
        assert [h.source_id for h in hits] == [f"checkin:{row.id}"]
        assert retrieval.search_playbook("vanity metrics")[0].source_id == "playbook:vanity-metrics"
        health = retrieval.index_health(session)
        session.rollback()
        assert health["parity"] and health["status"] == "ok"
        assert not (cadence_env / "chroma").exists()  # nothing embedded was written

        # the server goes away: check-ins are still saved and wait in the outbox
        proc.terminate()
        proc.wait(10)
        row2 = CheckIn(person_id=founder.id, week="2026-W06", wins="Saved while the index was down")
        session.add(row2)
        session.flush()
        retrieval.enqueue_checkin(session, row2.id)
        session.commit()
        assert retrieval.drain_outbox(engine) == 0
        pending = session.exec(select(Outbox)).all()
        session.rollback()
        assert len(pending) == 1 and pending[0].attempts == 1
        assert retrieval.index_health(session)["status"] == "error"
        session.rollback()
    finally:
        store.reset_clients()
