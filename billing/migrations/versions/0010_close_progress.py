"""the time of a close's last chunk on its month (issue 17: lost close jobs are found)

Revision ID: 0010_close_progress
Revises: 0009_speed
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_close_progress"
down_revision = "0009_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("months") as batch:
        batch.add_column(sa.Column("last_chunk_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("months") as batch:
        batch.drop_column("last_chunk_at")
