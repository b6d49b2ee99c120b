"""Reliability suite helpers: figures printed at the end of the run, generated orgs, spy providers.

Every test here measures something (pairs checked, leaks found, rows lost...). ``figure()``
prints it and keeps it for the terminal summary, so CI output shows the numbers without -s.
"""

from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlmodel import Session, SQLModel

from assistant.domain.checkins import enqueue_index
from assistant.domain.models import CheckIn, Kpi, KpiValue, Meeting, Person, Quarter, RoleGoal
from assistant.llm.base import Message, Reply
from assistant.llm.offline import OfflineProvider
from assistant.settings import get_settings

FIGURES: list[tuple[str, str, object]] = []


def figure(test: str, name: str, value: object) -> object:
    """Print a measured figure and keep it for the end-of-run summary."""
    print(f"[reliability] {test}: {name} = {value}")
    FIGURES.append((test, name, value))
    return value


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ANN001, ARG001
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for test, name, value in FIGURES:
        terminalreporter.write_line(f"{test}: {name} = {value}")


def set_env(monkeypatch, **values: object) -> None:  # noqa: ANN001
    """Set CADENCE_* variables and drop the cached settings (and so the rate limiter)."""
    for key, value in values.items():
        monkeypatch.setenv(f"CADENCE_{key.upper()}", str(value))
    get_settings.cache_clear()


class SpyProvider(OfflineProvider):
    """The offline drafter, recording every prompt it is sent (a real model would see the same)."""

    name = "offline"

    def __init__(self) -> None:
        self.requests: list[list[Message]] = []
        self.calls: list[dict] = []

    def _generate(self, messages, schema, *, max_tokens, timeout, compose=None) -> Reply:  # noqa: ANN001
        self.requests.append([dict(m) for m in messages])
        self.calls.append({"max_tokens": max_tokens, "timeout": timeout, "schema": schema.__name__})
        return super()._generate(messages, schema, max_tokens=max_tokens, timeout=timeout, compose=compose)


@pytest.fixture
def spy(monkeypatch):
    """Every draft in the test goes through one SpyProvider."""
    provider = SpyProvider()
    monkeypatch.setattr("assistant.drafting.pipeline.get_provider", lambda settings=None: provider)
    return provider


# ---- generated orgs -------------------------------------------------------------------------

WEEKS = ["2026-W35", "2026-W36", "2026-W37", "2026-W38"]
PERIODS = ["2026-08-24", "2026-08-31", "2026-09-07", "2026-09-14"]
LINES = [
    "Supplier shipment slipped a week", "Cut bids on broad match", "Refreshed the hero listing images",
    "Stock-out risk on the 2-pack", "Launched a new creative test", "Refund rate back under control",
]


@dataclass
class GenPerson:
    index: int
    access: str
    manager: int | None
    canary: str = ""
    row: Person | None = None
    checkin_ids: list[int] = field(default_factory=list)
    kpi_key: str = ""


def canary_for(seed: int, i: int) -> str:
    # letters only: survives JSON escaping, tokenising and markdown untouched
    rng = random.Random(seed * 1000 + i)  # noqa: S311 - test data, not security
    return "cnry" + "".join(rng.choice("bcdfghjkmnpqrstvwxz") for _ in range(10))


def expected_visible(people: list[GenPerson], viewer: int) -> set[int]:
    """The permission rule, written independently of team.py."""
    if people[viewer].access == "founder":
        return {p.index for p in people}
    seen = {viewer}
    if people[viewer].access == "manager":
        changed = True
        while changed:
            changed = False
            for p in people:
                if p.manager in seen and p.index not in seen:
                    seen.add(p.index)
                    changed = True
    return seen


def wipe(session: Session) -> None:
    """Every row of every table (children first): a clean org for the next example."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name != "alembic_version":
            session.execute(table.delete())
    session.commit()


def build_org(session: Session, people: list[GenPerson], seed: int) -> None:
    """People with a canary in each of their check-ins, KPI, goal; meetings with their managers."""
    if session.get(Quarter, "2026-Q4") is None:
        session.add(Quarter(id="2026-Q4"))
    for p in people:
        p.canary = canary_for(seed, p.index)
        manager_id = people[p.manager].row.id if p.manager is not None else None
        p.row = Person(email=f"p{p.index}-{seed}@gen.test", name=f"Person {p.index}", role="PPC specialist",
                       access=p.access, manager_id=manager_id)
        session.add(p.row)
        session.flush()
        p.kpi_key = f"k{seed}-{p.index}"
        kpi = Kpi(key=p.kpi_key, owner_id=p.row.id, name=f"TACOS {p.index}", unit="percent", direction="down",
                  description=f"Ad spend over sales ({p.canary})", target=10.0)
        session.add(kpi)
        session.flush()
        for j, period in enumerate(PERIODS):
            session.add(KpiValue(kpi_id=kpi.id, period=date.fromisoformat(period), value=9.0 + j * 0.5 + p.index / 100))
        for j, week in enumerate(WEEKS):
            line = LINES[(p.index + j) % len(LINES)]
            row = CheckIn(person_id=p.row.id, week=week, wins=f"{line}; note {p.canary}",
                          priorities=f"Hold TACOS ({p.canary})", blockers=f"Waiting on {p.canary} sign-off",
                          metrics={p.kpi_key: "on_track"})
            session.add(row)
            session.flush()
            enqueue_index(session, row.id)
            p.checkin_ids.append(row.id)
        session.add(RoleGoal(person_id=p.row.id, quarter_id="2026-Q4", title=f"Keep TACOS under 10 {p.canary}",
                             kpi_id=kpi.id, target=10.0))
        if p.manager is not None:
            session.add(Meeting(manager_id=people[p.manager].row.id, report_id=p.row.id,
                                date=date.fromisoformat(PERIODS[2]), status="held", minutes=30))
    session.commit()


# ---- a database of a test's own, for the tests that start servers and processes ---------------


def _pg_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, migrated database of this test's own: a SQLite file under ``tmp_path/home``
    (where CADENCE_HOME points in these tests), or a PostgreSQL database dropped afterwards."""
    from assistant.core.db import make_engine, migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'home' / 'cadence.db'}"
    else:
        if not _pg_up():
            pytest.skip("no PostgreSQL on 127.0.0.1:5432")
        url = _create_pg(f"cadence_rel_{os.getpid()}_{time.monotonic_ns() % 10**6}")
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    if request.param == "postgres":
        _drop_pg(url.rsplit("/", 1)[1])


def _create_pg(name: str) -> str:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
