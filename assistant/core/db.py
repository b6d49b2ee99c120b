"""Engine, sessions and migrations.

SQLite runs in WAL mode. A write transaction starts with ``BEGIN IMMEDIATE``: it takes
the write lock up front, so two read-then-write transactions queue on the busy timeout
instead of failing with "database is locked" when one upgrades its lock. Reads begin
deferred, so a long read (a draft waiting on the LLM) never blocks check-ins.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from assistant.core.files import private_dir, private_file
from assistant.settings import get_settings

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
IMMEDIATE = "cadence_immediate"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            private_dir(Path(path).parent)
            private_file(Path(path))  # before SQLite creates it with the umask's mode
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        # Take transaction control from the driver so BEGIN IMMEDIATE is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().resolved_database_url)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine | None = None) -> None:
    """Bring the schema to the latest migration (idempotent)."""
    command.upgrade(alembic_config(engine or get_engine()), "head")


def begin_write(session: Session) -> Session:
    """Start the session's next transaction as a write (BEGIN IMMEDIATE on SQLite).

    Call before the transaction's first statement; in an open transaction it is too late
    to change how it began, so that is an error rather than a silent no-op.
    """
    if session.in_transaction():
        raise RuntimeError("begin_write() must come before the transaction's first statement")
    session.connection(execution_options={IMMEDIATE: True})
    return session


def get_session() -> Iterator[Session]:
    """FastAPI dependency for reads. Handlers commit themselves, inside the request."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


async def get_write_session() -> AsyncIterator[Session]:
    """FastAPI dependency for handlers that write: the transaction begins as a write.

    It begins at the handler's first statement, not here. A dependency runs on another
    threadpool hop than the handler: a lock taken here would be held while the request
    waits for the viewer lookup's pooled connection and for a threadpool thread, both of
    which the requests queued behind the lock have taken. With 15+ concurrent writes every
    one then stalls 30 s and most answer 500 "database is locked". For the same reason
    this is async: closing the session (which ends a transaction a handler left open, e.g.
    on an error) runs on the event loop, never waiting for a threadpool thread.
    """
    with Session(get_engine().execution_options(**{IMMEDIATE: True}), expire_on_commit=False) as session:
        yield session
        if session.in_transaction():
            # A handler that returns with its write transaction open keeps SQLite's write
            # lock until now, after the response was serialised on a threadpool thread; with
            # the pool full of writers waiting on that lock, both wait out the busy timeout.
            log.warning("a write route returned with its transaction open; it held the write lock until now")


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = True) -> Iterator[Session]:
    """A unit of work for the CLI and workers: commit on success, roll back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        if write:
            begin_write(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
