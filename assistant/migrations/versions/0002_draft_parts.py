"""draft: output, facts and meta in three columns instead of one flat content

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00

A flat content dict let a computed key overwrite what the model wrote, and readers needed
lists of which key was which. Each stored content is split by the keys the pipeline wrote
as metadata and as computed facts; every other key (including anything an edit added) is
the output, so no value is lost. The downgrade joins the three parts back in the order the
flat dict had.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The keys as the pipeline wrote them when content was one dict (frozen: later kinds do not matter).
META = ("kind", "subject", "viewer", "period", "provider", "model", "grounding", "usage")
META_FIRST = META[:6]
FACTS = ("week", "quarter", "flags", "recurring_blockers", "self_report_mismatches", "cadence", "stage",
         "objectives_quarter", "computed_goals", "metric_check", "role_goals", "answers")

draft = sa.table("draft", sa.column("id", sa.Integer), sa.column("content", sa.JSON),
                 sa.column("output", sa.JSON), sa.column("facts", sa.JSON), sa.column("meta", sa.JSON))


def _loads(value):  # noqa: ANN001, ANN202 - a JSON column reads as text on some drivers
    return json.loads(value) if isinstance(value, str) else (value or {})


def split(content: dict) -> dict:
    parts = {"output": {}, "facts": {}, "meta": {}}
    for key, value in content.items():
        parts["meta" if key in META else "facts" if key in FACTS else "output"][key] = value
    return parts


def join(output: dict, facts: dict, meta: dict) -> dict:
    first = {k: v for k, v in meta.items() if k in META_FIRST}
    last = {k: v for k, v in meta.items() if k not in META_FIRST}
    return {**first, **output, **facts, **last}


def upgrade() -> None:
    with op.batch_alter_table('draft', schema=None) as batch_op:
        for name in ("output", "facts", "meta"):
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=False, server_default='{}'))
    conn = op.get_bind()
    for row in conn.execute(sa.select(draft.c.id, draft.c.content)).all():
        conn.execute(draft.update().where(draft.c.id == row.id).values(**split(_loads(row.content))))
    with op.batch_alter_table('draft', schema=None) as batch_op:
        for name in ("output", "facts", "meta"):
            batch_op.alter_column(name, server_default=None)
        batch_op.drop_column('content')


def downgrade() -> None:
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=False, server_default='{}'))
    conn = op.get_bind()
    for row in conn.execute(sa.select(draft.c.id, draft.c.output, draft.c.facts, draft.c.meta)).all():
        content = join(_loads(row.output), _loads(row.facts), _loads(row.meta))
        conn.execute(draft.update().where(draft.c.id == row.id).values(content=content))
    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.alter_column('content', server_default=None)
        for name in ("meta", "facts", "output"):
            batch_op.drop_column(name)
