"""pa_transmission: an invoice's or credit note's transmission to the plateforme agréée (issue 22)

Revision ID: 0013_pa_transmission
Revises: 0012_pa_lifecycle
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_pa_transmission"
down_revision = "0012_pa_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("pa_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("pa_flow_id", sa.Text(), nullable=True))
        batch.add_column(sa.Column("pa_at", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("pa_error", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("pa_error")
        batch.drop_column("pa_at")
        batch.drop_column("pa_flow_id")
        batch.drop_column("pa_status")
