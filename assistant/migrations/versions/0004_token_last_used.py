"""api_token.last_used_at: when a web session was last used, for its idle expiry

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:00:00

A web session ends after CADENCE_SESSION_IDLE_HOURS without a request and, however busy,
CADENCE_SESSION_MAX_DAYS after sign-in. The second needs only created_at; the first needs
the time of the last request. Existing rows start empty and are read as idle since their
creation, so sessions older than the idle limit end on upgrade.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apitoken") as batch:
        batch.add_column(sa.Column("last_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("apitoken") as batch:
        batch.drop_column("last_used_at")
