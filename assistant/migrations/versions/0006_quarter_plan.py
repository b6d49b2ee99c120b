"""Quarter planning: objectives can be retired; KPI-to-objective links confirmed per quarter

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:00:00

Every quarter has objectives of its own, so which objective a KPI serves is a per-quarter
answer: ``kpilink`` holds the ones a founder confirmed (a KPI at most once per quarter; no
objective means "serves none of them"). A retired objective stays as a row so the goals
that named it still read.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('objective', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('objective', schema=None) as batch_op:
        batch_op.alter_column('retired', server_default=None)

    op.create_table('kpilink',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter_id', TEXT(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', WHEN(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], ),
    sa.ForeignKeyConstraint(['objective_id'], ['objective.id'], ),
    sa.ForeignKeyConstraint(['quarter_id'], ['quarter.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('quarter_id', 'kpi_id')
    )
    with op.batch_alter_table('kpilink', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpilink_kpi_id'), ['kpi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpilink_quarter_id'), ['quarter_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kpilink', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpilink_quarter_id'))
        batch_op.drop_index(batch_op.f('ix_kpilink_kpi_id'))
    op.drop_table('kpilink')
    with op.batch_alter_table('objective', schema=None) as batch_op:
        batch_op.drop_column('retired')
