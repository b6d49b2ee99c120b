"""Migrations from empty produce exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import assistant.domain.models  # noqa: F401
from assistant.core import db as dbmod


def test_migrations_from_empty_match_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations disagree; add a migration: {diff}"


def test_migrate_is_idempotent(engine):
    dbmod.migrate(engine)
    dbmod.migrate(engine)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None


def test_sqlite_runs_in_wal_mode(engine):
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_flat_draft_content_splits_into_three_parts_and_joins_back(engine):
    """A draft stored as one flat dict (revision 0001) keeps every value through the upgrade,
    shows the same flat view after it, and gets its flat dict back on a downgrade."""
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command
    from sqlmodel import Session

    from assistant.domain.models import Draft

    cfg = dbmod.alembic_config(engine)
    command.downgrade(cfg, "0001")
    flat = {"kind": "brief", "subject": "p@t.test", "viewer": "m@t.test", "period": "2026-W41",
            "provider": "offline", "model": "m", "sections": [{"title": "Moved", "items": []}],
            "questions": ["Why?"], "week": "2026-W41", "flags": [{"kpi": "acos", "code": "gamed"}],
            "cadence": {"meetings_held": 2}, "added_by_an_edit": "kept",
            "grounding": {"checked": 1, "ungrounded": []}, "usage": {"prompt_tokens": 9}}
    person = sa.table("person", *(sa.column(c) for c in ("id", "email", "name", "role", "access")))
    draft = sa.table("draft", sa.column("id"), sa.column("kind"), sa.column("subject_id"),
                     sa.column("requested_by_id"), sa.column("period"), sa.column("provider"), sa.column("model"),
                     sa.column("content", sa.JSON), sa.column("sources", sa.JSON), sa.column("usage", sa.JSON),
                     sa.column("status"), sa.column("created_at"), sa.column("updated_at"))
    with engine.begin() as conn:
        conn.execute(person.insert().values(id=1, email="p@t.test", name="P", role="r", access="member"))
        conn.execute(draft.insert().values(id=1, kind="brief", subject_id=1, requested_by_id=1, period="2026-W41",
                                           provider="offline", model="m", content=flat, sources=[], usage={},
                                           status="draft", created_at=datetime(2026, 10, 14, tzinfo=UTC),
                                           updated_at=datetime(2026, 10, 14, tzinfo=UTC)))
    dbmod.migrate(engine)
    with Session(engine) as session:
        row = session.get(Draft, 1)
        assert row.output == {"sections": flat["sections"], "questions": ["Why?"], "added_by_an_edit": "kept"}
        assert row.facts == {"week": "2026-W41", "flags": flat["flags"], "cadence": flat["cadence"]}
        assert list(row.meta) == ["kind", "subject", "viewer", "period", "provider", "model", "grounding", "usage"]
        assert row.content == {**flat} and list(row.content)[:8] == list(flat)[:8]
    command.downgrade(cfg, "0001")
    with engine.connect() as conn:
        (content,) = conn.execute(sa.select(draft.c.content)).one()
    assert content == flat and list(content) == [*list(flat)[:6], "sections", "questions", "added_by_an_edit",
                                                 "week", "flags", "cadence", "grounding", "usage"]
    dbmod.migrate(engine)
