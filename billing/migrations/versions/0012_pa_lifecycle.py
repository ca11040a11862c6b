"""pa_lifecycle: the lifecycle statuses a plateforme agréée reported for an invoice (issue 22)

Revision ID: 0012_pa_lifecycle
Revises: 0011_portal
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_pa_lifecycle"
down_revision = "0011_portal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_lifecycle",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("fact_key", sa.Text(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("status_at", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.JSON(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("position"),
    )
    op.create_index("ix_invoice_lifecycle_number", "invoice_lifecycle", ["number"])


def downgrade() -> None:
    op.drop_index("ix_invoice_lifecycle_number", table_name="invoice_lifecycle")
    op.drop_table("invoice_lifecycle")
