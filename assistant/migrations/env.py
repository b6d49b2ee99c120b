"""Alembic environment: runs against the engine handed in by ``assistant.core.db.migrate``."""

from alembic import context
from sqlmodel import SQLModel

import assistant.domain.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from assistant.core.db import get_engine

target_metadata = SQLModel.metadata
engine = context.config.attributes.get("engine") or get_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
