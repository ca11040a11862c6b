"""money: SEPA direct-debit files and debits, unapplied credits, credit notes (declared as issue 11 declares them)

Revision ID: 0005_money
Revises: 0001
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_money"
down_revision = "0006_cases"
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(14, 2)


def upgrade() -> None:
    op.create_table(
        "credit_notes",
        sa.Column("number", sa.String(32), primary_key=True),
        sa.Column("account", sa.String(64)),
        sa.Column("corrects", sa.String(32)),
        sa.Column("issue_date", sa.Date()),
        sa.Column("reason", sa.Text()),
        sa.Column("vat_rate", sa.Numeric(5, 2)),
        sa.Column("total_ht", AMOUNT),
        sa.Column("total_vat", AMOUNT),
        sa.Column("total_ttc", AMOUNT),
        sa.Column("document", sa.JSON()),
    )
    op.create_index("ix_credit_notes_account", "credit_notes", ["account"])
    op.create_index("ix_credit_notes_corrects", "credit_notes", ["corrects"])
    op.create_table(
        "sepa_files",
        sa.Column("collection_date", sa.Date(), primary_key=True),
        sa.Column("scheme", sa.String(8), primary_key=True),
        sa.Column("aggregate_id", sa.String(32), nullable=False, unique=True),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("message_id", sa.String(35), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("debits", sa.Integer(), nullable=False),
        sa.Column("total", AMOUNT, nullable=False),
    )
    op.create_table(
        "sepa_debits",
        sa.Column("invoice", sa.String(32), primary_key=True),
        sa.Column("collection_date", sa.Date(), primary_key=True),
        sa.Column("scheme", sa.String(8), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("mandate", sa.String(35), nullable=False),
        sa.Column("sequence_type", sa.String(4), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("returned_on", sa.Date()),
        sa.Column("return_reason", sa.String(4)),
    )
    op.create_index("ix_sepa_debits_account", "sepa_debits", ["account"])
    op.create_index("ix_sepa_debits_mandate", "sepa_debits", ["mandate"])
    op.create_table(
        "unapplied_credits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("invoice", sa.String(32)),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("reference", sa.Text()),
    )
    op.create_index("ix_unapplied_credits_account", "unapplied_credits", ["account"])


def downgrade() -> None:
    op.drop_index("ix_unapplied_credits_account", "unapplied_credits")
    op.drop_table("unapplied_credits")
    op.drop_index("ix_sepa_debits_mandate", "sepa_debits")
    op.drop_index("ix_sepa_debits_account", "sepa_debits")
    op.drop_table("sepa_debits")
    op.drop_table("sepa_files")
    op.drop_index("ix_credit_notes_corrects", "credit_notes")
    op.drop_index("ix_credit_notes_account", "credit_notes")
    op.drop_table("credit_notes")
