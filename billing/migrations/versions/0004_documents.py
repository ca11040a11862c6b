"""credit notes and stored documents (issue 11)

Revision ID: 0004_documents
Revises: 0001
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_documents"
down_revision = "0001"
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("corrects", sa.String(length=32), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("vat_rate", sa.Numeric(5, 2), nullable=True),
        sa.Column("total_ht", AMOUNT, nullable=True),
        sa.Column("total_vat", AMOUNT, nullable=True),
        sa.Column("total_ttc", AMOUNT, nullable=True),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_credit_notes_account", "credit_notes", ["account"])
    op.create_index("ix_credit_notes_corrects", "credit_notes", ["corrects"])
    op.create_table(
        "documents",
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("failures", sa.JSON(), nullable=True),
        sa.Column("mail_status", sa.String(length=16), nullable=True),
        sa.Column("mail_detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_index("ix_documents_account", "documents", ["account"])


def downgrade() -> None:
    op.drop_index("ix_documents_account", table_name="documents")
    op.drop_table("documents")
    op.drop_index("ix_credit_notes_corrects", table_name="credit_notes")
    op.drop_index("ix_credit_notes_account", table_name="credit_notes")
    op.drop_table("credit_notes")
