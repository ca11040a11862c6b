"""mail_quarantine: messages the IMAP poller could not record, listed for finance (issue 17)

Revision ID: 0008_mail_quarantine
Revises: 0007_fec_entries
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_mail_quarantine"
down_revision = "0007_fec_entries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_quarantine",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index(op.f("ix_mail_quarantine_received_at"), "mail_quarantine", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_mail_quarantine_received_at"), table_name="mail_quarantine")
    op.drop_table("mail_quarantine")
