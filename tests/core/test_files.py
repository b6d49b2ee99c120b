"""The data folder is the owner's alone: CADENCE_HOME 0700, the SQLite files, the secret key and
the Chroma files 0600, whatever the umask of whoever started Cadence."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SMALL_ORG

APP = """
import time
from fastapi.testclient import TestClient
from assistant.app import create_app
from assistant.core.db import session_scope
from assistant.domain.auth import create_token
from assistant.domain.team import person_by_email
with session_scope() as s:
    token = create_token(s, person_by_email(s, "ppc@t.test"))
with TestClient(create_app()) as c:
    c.get("/signin")
    r = c.post("/api/checkins", json={"week": "2026-W40", "wins": "Shipped"},
               headers={"Authorization": "Bearer " + token})
    assert r.status_code == 201, r.text
    for _ in range(300):
        if c.get("/api/health").json()["index"]["outbox_pending"] == 0:
            break
        time.sleep(0.1)
"""


def _run(home: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env.update(CADENCE_HOME=str(home), CADENCE_INDEXER="thread")
    # a permissive umask, as many shells have: Cadence must not depend on it
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                         preexec_fn=lambda: os.umask(0o022))  # noqa: PLW1509 - no threads before exec here
    assert out.returncode == 0, out.stderr[-3000:]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_files_are_owner_only(tmp_path):
    home = tmp_path / "data" / "home"
    _run(home, "-m", "assistant", "import", str(SMALL_ORG))
    _run(home, "-m", "assistant", "reindex")
    _run(home, "-c", APP)
    files = [p for p in home.rglob("*") if p.is_file()]
    dirs = [home, *(p for p in home.rglob("*") if p.is_dir())]
    names = {p.name for p in files}
    assert {"cadence.db", "secret_key", "chroma.sqlite3"} <= names, names
    assert any(p.suffix == ".bin" for p in files), "no Chroma vector files to check"
    loose = [f"{p.relative_to(home)} {oct(_mode(p))}" for p in files if _mode(p) & 0o077]
    loose += [f"{p.relative_to(home)}/ {oct(_mode(p))}" for p in dirs if _mode(p) & 0o077]
    assert not loose, loose
