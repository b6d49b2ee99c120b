"""seller reports: a KPI's metric, the org's currency, report imports and their totals

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:00:00

A KPI may name the seller-report metric it is (``metric``); an import is recorded
(``reportimport``) with the per-day sums it read (``reporttotal``), so a metric that needs
two reports is computed whichever arrives second; a KPI value remembers the import that set
it; the company holds the one currency its values are in.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('reportimport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('via', TEXT(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reportimport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reportimport_person_id'), ['person_id'], unique=False)

    op.create_table('reporttotal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', TEXT(), nullable=False),
    sa.Column('quantity', TEXT(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['reportimport.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('quantity', 'start', 'end')
    )
    with op.batch_alter_table('reporttotal', schema=None) as batch_op:
        batch_op.create_index('ix_reporttotal_kind_start', ['kind', 'start'], unique=False)
        batch_op.create_index(batch_op.f('ix_reporttotal_import_id'), ['import_id'], unique=False)

    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('metric', TEXT(), nullable=True))
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', TEXT(), nullable=True))
    with op.batch_alter_table('kpivalue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_kpivalue_import_id', 'reportimport', ['import_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('kpivalue', schema=None) as batch_op:
        batch_op.drop_constraint('fk_kpivalue_import_id', type_='foreignkey')
        batch_op.drop_column('import_id')
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('currency')
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.drop_column('metric')
    with op.batch_alter_table('reporttotal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporttotal_import_id'))
        batch_op.drop_index('ix_reporttotal_kind_start')
    op.drop_table('reporttotal')
    with op.batch_alter_table('reportimport', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reportimport_person_id'))
    op.drop_table('reportimport')
