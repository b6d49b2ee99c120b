"""Who may drain the outbox: one process per index, held for as long as it runs.

Two drainers write the same documents in their own order, and the slower one can write an
older text last (measured with `uvicorn server:app --workers 2`: 16 of 263 entries stale).
An embedded index is worse off still: each process keeps its own copy of the vector files
in memory and writes them back whole. So whatever starts the app, the drainer first takes
a lock that only one process can hold; the others leave the outbox alone and say so in
/api/health, and retry now and then so one of them takes over when the holder stops.

- embedded index, or SQLite: an exclusive ``flock`` on ``CADENCE_HOME/indexer.lock``. The
  index files (or the SQLite file) are on this machine, so every contender is too. The
  kernel drops the lock with the process, however it ends.
- a Chroma server with PostgreSQL: workers may run on several machines, so the lock lives
  in SQL: a session-level advisory lock on a connection kept open for the purpose, which
  PostgreSQL drops when that connection (or its process) goes.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from assistant.core.files import private_dir
from assistant.settings import get_settings

log = logging.getLogger(__name__)
ADVISORY_KEY = 0x0CADE1CE  # one bigint per deployment's database; any constant no other code uses
LOCK_FILE = "indexer.lock"


class DrainLock:
    """Non-blocking: ``acquire()`` says whether this process now drains; ``held`` whether it
    still does (a lost database connection loses the advisory lock)."""

    where: str = ""

    def acquire(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    @property
    def held(self) -> bool:
        raise NotImplementedError


class FileLock(DrainLock):
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for a person wondering who holds it
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


class AdvisoryLock(DrainLock):
    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.engine = engine
        self.key = key
        self.where = f"PostgreSQL advisory lock {key}"
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        if self.held:
            return True
        self.release()
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        conn.commit()
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.commit()
        except Exception as exc:  # noqa: BLE001 - a dead connection has already let go of the lock
            log.info("advisory lock release on a lost connection: %s", exc)
        finally:
            self._conn.close()
            self._conn = None

    @property
    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            row = self._conn.execute(text(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
                "AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :k"), {"k": self.key}).first()
            self._conn.commit()
        except Exception as exc:  # noqa: BLE001 - the connection is gone, and the lock with it
            log.warning("indexer lock connection lost: %s", exc)
            return False
        return row is not None


def drain_lock(engine: Engine) -> DrainLock:
    """The lock for this deployment (see the module docstring)."""
    settings = get_settings()
    if settings.chroma_url and engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return FileLock(Path(settings.home) / LOCK_FILE)
