"""stored documents (issue 11); the credit_notes table it reads comes with 0005_money

Revision ID: 0004_documents
Revises: 0005_money
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_documents"
down_revision = "0005_money"
branch_labels = None
depends_on = None



def upgrade() -> None:
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
