"""Crash: SIGKILL the server while 500 check-ins are posted concurrently; nothing acknowledged is lost.

Then the same with the Chroma folder corrupted: check-ins keep saving, health reports the
index unhealthy, and a rebuild brings parity back. And with one vector file damaged so that
loading it crashes the process: the server, which checks the files in a child first, stays up.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.reliability.conftest import figure

pytestmark = pytest.mark.slow


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, db: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env.update(CADENCE_HOME=str(home), CADENCE_LLM="offline", CADENCE_INDEXER="thread")
    if db and db.startswith("postgresql"):
        env["CADENCE_DATABASE_URL"] = db
    return env


def _cli(home: Path, *args: str, db: str | None = None) -> str:
    out = subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=_env(home, db),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


class Server:
    def __init__(self, home: Path, db: str | None = None) -> None:
        self.home, self.port = home, _port()
        self.url = f"http://127.0.0.1:{self.port}"
        # the server's output goes to a file beside its data: the first place to look when a figure is off
        with open(home / "server.log", "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(self.port)],
                                         cwd=ROOT, env=_env(home, db), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()


OUTCOMES: list[str] = []  # status codes and transport errors of the last _post_many


def _post_many(server: Server, token: str, weeks: list[str], kill_after: int | None) -> list[str]:
    """Post concurrently; returns the weeks answered 2xx (every answer or error lands in OUTCOMES)."""
    acked: list[str] = []
    lock = threading.Lock()

    def post(week: str) -> None:
        try:
            r = httpx.post(f"{server.url}/api/checkins", json={"week": week, "wins": f"crash test {week}"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)
        except httpx.HTTPError as exc:
            OUTCOMES.append(type(exc).__name__)
            return
        OUTCOMES.append(str(r.status_code))
        if 200 <= r.status_code < 300:
            with lock:
                acked.append(week)
                if kill_after is not None and len(acked) == kill_after:
                    server.kill()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(post, weeks))
    return acked


def _health(server: Server, timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while True:
        body = httpx.get(f"{server.url}/api/health", timeout=30).json()
        if body.get("index", {}).get("status") == "ok" or time.time() > deadline:
            return body
        time.sleep(1)


def test_sigkill_during_500_posts_then_corrupted_index(tmp_path, db_url):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)  # on PostgreSQL nothing else has made it yet
    kind = "postgres" if db_url.startswith("postgresql") else "sqlite"
    _cli(home, "import", str(ROOT / "tests" / "fixtures" / "small_org.yaml"), db=db_url)
    token = _cli(home, "token", "create", "ppc@t.test", db=db_url).strip()
    founder = _cli(home, "token", "create", "founder@t.test", db=db_url).strip()
    weeks = [f"{2000 + i // 50}-W{i % 50 + 1:02d}" for i in range(500)]

    server = Server(home, db_url)
    acked = _post_many(server, token, weeks, kill_after=250)
    if server.proc.poll() is None:
        server.kill()
    server = Server(home, db_url)
    rows = httpx.get(f"{server.url}/api/checkins?limit=500", headers={"Authorization": f"Bearer {founder}"},
                     timeout=60).json()
    stored = {r["week"] for r in rows}
    missing = [w for w in acked if w not in stored]
    integrity = "ok"  # PostgreSQL has no file-level check to run; its WAL replays on restart
    if kind == "sqlite":
        with sqlite3.connect(home / "cadence.db") as db:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    health = _health(server)
    index = health["index"]
    server.stop()
    if index["status"] != "ok":
        _cli(home, "reindex", db=db_url)
        server = Server(home, db_url)
        index = _health(server)["index"]
        server.stop()
    figure("crash", f"{kind}: check-ins acknowledged before SIGKILL", len(acked))
    figure("crash", f"{kind}: acknowledged check-ins missing after restart", len(missing))
    if kind == "sqlite":
        figure("crash", "sqlite: integrity_check", integrity)
    figure("crash", f"{kind}: index count / SQL count after drain",
           f"{index['checkins_indexed']}/{index['checkins_sql']}")
    assert acked and not missing and integrity == "ok"
    assert index["checkins_indexed"] == index["checkins_sql"]

    # the Chroma folder corrupted: saving goes on, health says unhealthy until rebuilt
    for path in (home / "chroma").rglob("*"):
        if path.is_file():
            path.write_bytes(os.urandom(4096))
    server = Server(home, db_url)
    more = [f"2024-W{i:02d}" for i in range(1, 41)]
    OUTCOMES.clear()
    acked2 = _post_many(server, token, more, kill_after=None)
    time.sleep(3)
    broken = httpx.get(f"{server.url}/api/health", timeout=30).json()["index"]
    alive = server.proc.poll() is None
    server.stop()
    shutil.rmtree(home / "chroma")
    _cli(home, "reindex", db=db_url)
    server = Server(home, db_url)
    rebuilt = _health(server)["index"]
    server.stop()
    figure("crash", f"{kind}: check-ins saved with a corrupted index", f"{len(acked2)}/{len(more)}")
    figure("crash", f"{kind}: answers with a corrupted index", dict(Counter(OUTCOMES)))
    figure("crash", f"{kind}: index status while corrupted / after rebuild", f"{broken['status']}/{rebuilt['status']}")
    assert alive and len(acked2) == len(more) and broken["status"] != "ok"
    assert rebuilt["status"] == "ok" and rebuilt["checkins_indexed"] == rebuilt["checkins_sql"]


def _many_checkins(home: Path, n: int) -> None:
    code = f"""
from sqlmodel import select
from assistant.core.db import session_scope
from assistant.domain.models import CheckIn, Person
with session_scope() as s:
    p = s.exec(select(Person).where(Person.email == "am@t.test")).one()
    s.add_all(CheckIn(person_id=p.id, week=f"{{1900 + i // 50}}-W{{i % 50 + 1:02d}}", wins=f"bulk {{i}}", metrics={{}})
              for i in range({n}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(home), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


def test_damaged_vector_file_crashes_a_probe_not_the_server(tmp_path):
    """A partly overwritten HNSW file makes Chroma crash the process that loads it (SIGSEGV).

    The server checks the files in a child process first: it stays up, saves every
    check-in, reports the index unusable, and searches answer 503 instead of crashing.
    """
    home = tmp_path / "home"
    _cli(home, "import", str(ROOT / "tests" / "fixtures" / "small_org.yaml"))
    _many_checkins(home, 1200)  # past Chroma's sync threshold: the vectors are on disk in HNSW files
    _cli(home, "reindex")
    token = _cli(home, "token", "create", "ppc@t.test").strip()
    damaged = [p for p in (home / "chroma").rglob("data_level0.bin") if p.stat().st_size > 1_000_000]
    assert damaged, "no persisted HNSW file to damage"
    with open(damaged[0], "r+b") as f:
        f.seek(40_960)
        f.write(os.urandom(409_600))
    crash = subprocess.run([sys.executable, "-m", "assistant.retrieval.probe"], cwd=ROOT, env=_env(home),
                           capture_output=True, timeout=300)
    server = Server(home)
    OUTCOMES.clear()
    weeks = [f"2024-W{i:02d}" for i in range(1, 41)]
    acked = _post_many(server, token, weeks, kill_after=None)
    index = _health(server, timeout=10)["index"]
    search = httpx.get(f"{server.url}/api/search?q=supplier", headers={"Authorization": f"Bearer {token}"},
                       timeout=60).status_code
    alive = server.proc.poll() is None
    server.stop()
    figure("crash", "probe of a damaged HNSW file exits with", crash.returncode)
    figure("crash", "check-ins saved with a damaged HNSW file", f"{len(acked)}/{len(weeks)}")
    figure("crash", "server alive / index status / search answer", f"{alive}/{index['status']}/{search}")
    assert crash.returncode != 0
    assert alive and len(acked) == len(weeks)
    assert index["status"] == "error" and "index" in (index["error"] or "")
    assert search == 503
