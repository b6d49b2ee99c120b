"""Derived stores: assessments computed at write time, text vectors embedded once

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:00:00

Both are caches kept in SQL and rebuildable from the record (`cadence reindex`):
``storedassessment`` holds the assessment of (person, week, viewer) with the basis it was
computed from, ``inputtoken`` the token each write changes, ``textvector`` one embedding per
distinct text.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table('inputtoken',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token', TEXT(), nullable=False),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('storedassessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('week', TEXT(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=False),
    sa.Column('code', TEXT(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('org_token', TEXT(), nullable=False),
    sa.Column('person_token', TEXT(), nullable=False),
    sa.Column('data', TEXT(), nullable=False),
    sa.Column('compute_ms', sa.Float(), nullable=False),
    sa.Column('computed_at', WHEN(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'week', 'viewer_id')
    )
    with op.batch_alter_table('storedassessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storedassessment_person_id'), ['person_id'], unique=False)
    op.create_table('textvector',
    sa.Column('key', TEXT(), nullable=False),
    sa.Column('model', TEXT(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('textvector')
    with op.batch_alter_table('storedassessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storedassessment_person_id'))
    op.drop_table('storedassessment')
    op.drop_table('inputtoken')
