"""`uvicorn server:app --workers 2` on SQLite with the embedded index: one worker drains, the
other says it does not, and after a burst of edits the index holds every check-in's latest text."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, SMALL_ORG
from tests.reliability.conftest import figure

pytestmark = pytest.mark.slow

EDITS = 60  # posts over 6 weeks: each week's check-in rewritten 10 times


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_two_workers_one_drainer_no_stale_entries(tmp_path: Path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env.update(CADENCE_HOME=str(home), CADENCE_INDEXER="thread", CADENCE_LLM="offline")
    _cli(env, "import", str(SMALL_ORG))
    token = _cli(env, "token", "create", "ppc@t.test").strip()
    port = _port()
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "server.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "server:app", "--workers", "2", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        states: dict[int, dict] = {}
        deadline = time.monotonic() + 180
        # both workers up and past their index check; each health call may land on either
        while time.monotonic() < deadline and not (len(states) == 2 and all(
                not s["detail"].startswith("checking") for s in states.values())):
            try:
                state = httpx.get(f"{url}/api/health", timeout=10).json()["indexer"]
                states[state["pid"]] = state
            except (httpx.HTTPError, KeyError):
                time.sleep(0.5)
        assert len(states) == 2, (states, (tmp_path / "server.log").read_text()[-3000:])
        headers = {"Authorization": f"Bearer {token}"}

        def post(i: int) -> int:
            week = f"2026-W{30 + i % 6}"
            body = {"week": week, "wins": f"edit {i} of {week}", "blockers": f"blocker {i}"}
            return httpx.post(f"{url}/api/checkins", json=body, headers=headers, timeout=120).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(post, range(EDITS)))
        assert all(c in (200, 201) for c in codes), codes
        health: dict = {}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            health = httpx.get(f"{url}/api/health", timeout=30).json()
            states[health["indexer"]["pid"]] = health["indexer"]
            if health["index"]["outbox_pending"] == 0 and len(states) == 2:
                break
            time.sleep(0.5)
        index = health["index"]
    finally:
        proc.terminate()
        proc.wait(60)
    drainers = [s for s in states.values() if s["draining"]]
    figure("workers", "uvicorn --workers 2: processes draining", len(drainers))
    figure("workers", "index entries stale after 60 concurrent edits",
           f"{index['content_stale']} of {index['content_checked']}")
    assert len(drainers) == 1
    assert "another process" in next(s for s in states.values() if not s["draining"])["detail"]
    assert index["outbox_pending"] == 0 and index["content_stale"] == 0 and index["parity"] is True
    assert index["status"] == "ok"
