"""1:1s: shared notes on the meeting, agenda items, action items, private notes per author

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:00:00

A meeting keeps the notes both people share. Its agenda items and action items are rows of
their own (author, owner, due date, done). Private notes are keyed by (meeting, author) so the
manager and the report each have theirs, and a query for one person's note cannot return the
other's. A meeting's status may now also be ``scheduled`` (a text column: nothing to alter).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', TEXT(), nullable=False, server_default=''))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.alter_column('notes', server_default=None)

    op.create_table('agendaitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', TEXT(), nullable=False),
    sa.Column('created_at', WHEN(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agendaitem_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agendaitem_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('actionitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', TEXT(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('done_at', WHEN(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', WHEN(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('actionitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actionitem_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actionitem_owner_id'), ['owner_id'], unique=False)

    op.create_table('privatenote',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', TEXT(), nullable=False),
    sa.Column('updated_at', WHEN(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('meeting_id', 'author_id')
    )
    with op.batch_alter_table('privatenote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privatenote_author_id'), ['author_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('privatenote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privatenote_author_id'))
    op.drop_table('privatenote')
    with op.batch_alter_table('actionitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actionitem_owner_id'))
        batch_op.drop_index(batch_op.f('ix_actionitem_meeting_id'))
    op.drop_table('actionitem')
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agendaitem_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_agendaitem_author_id'))
    op.drop_table('agendaitem')
    # A scheduled meeting did not exist before this revision: it had not happened, so it goes.
    op.execute("DELETE FROM meeting WHERE status = 'scheduled'")
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('notes')
