"""Shared fixtures: a fresh data folder per test, no network, seeded tiktoken cache.

Tests run on SQLite by default; set CADENCE_TEST_DATABASE_URL to run them on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from assistant.core import db as dbmod
from assistant.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("CADENCE_TEST_DATABASE_URL")

_real_connect = socket.socket.connect


def _guarded_connect(self, address):  # noqa: ANN001
    """Fail any test that reaches past this machine: tests need no network and no key."""
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (
        host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
    ) and self.family in (socket.AF_INET, socket.AF_INET6):
        raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


def _reset_caches() -> None:
    get_settings.cache_clear()
    dbmod.get_engine.cache_clear()


@pytest.fixture(autouse=True)
def cadence_env(tmp_path, monkeypatch):
    """Every test gets its own CADENCE_HOME and the offline provider unless it says otherwise."""
    for name in list(os.environ):
        if name.startswith("CADENCE_") and name != "CADENCE_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("CADENCE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CADENCE_INDEXER", "off")  # tests drain the outbox when they mean to
    _reset_caches()
    yield tmp_path / "home"
    _reset_caches()


def _wipe_postgres(url: str) -> None:
    engine = dbmod.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite"] + (["postgres"] if PG_URL else []))
def engine(request, cadence_env, monkeypatch):
    """A migrated, empty database: SQLite in the test's folder, or the PostgreSQL server."""
    if request.param == "postgres":
        _wipe_postgres(PG_URL)
        monkeypatch.setenv("CADENCE_DATABASE_URL", PG_URL)
    _reset_caches()
    eng = dbmod.get_engine()
    dbmod.migrate(eng)
    yield eng
    eng.dispose()
    _reset_caches()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s





@pytest.fixture
def embedder_calls(monkeypatch):
    """Every text the process's embedder is asked for, in order."""
    from assistant.core.embeddings import get_embedder

    asked: list[str] = []
    embedder = get_embedder()
    real = embedder.embed
    monkeypatch.setattr(embedder, "embed", lambda texts: asked.extend(texts) or real(texts))
    return asked


SMALL_ORG = ROOT / "tests" / "fixtures" / "small_org.yaml"


@pytest.fixture
def org(session):
    """The small org imported; returns {email: Person}."""
    from sqlmodel import select

    from assistant.domain.models import Person
    from assistant.domain.orgfile import import_org, read_org_file

    import_org(session, read_org_file(SMALL_ORG))
    session.commit()
    return {p.email: p for p in session.exec(select(Person))}


@pytest.fixture
def tokens(session, org):
    """An API token per person of the small org: {email: token}."""
    from assistant.domain.auth import create_token

    out = {email: create_token(session, person) for email, person in org.items()}
    session.commit()
    return out


@pytest.fixture
def client(engine):
    from fastapi.testclient import TestClient

    from assistant.app import create_app

    with TestClient(create_app()) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
