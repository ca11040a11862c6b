"""FEC entries numbered when posted (BILLING_RULES §12, LPF art. A47 A-1; issue 18)

Revision ID: 0007_fec_entries
Revises: 0004_documents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_fec_entries"
down_revision = "0004_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Filled by the projector from the ledger: `billing rebuild-read-models` numbers the entries of
    # the facts already stored, in ledger order, as the projector would have.
    op.create_table(
        "fec_entries",
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("journal", sa.String(length=2), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("piece", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("legal_name", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("total_ht", sa.Numeric(14, 2), nullable=False),
        sa.Column("total_vat", sa.Numeric(14, 2), nullable=False),
        sa.Column("total_ttc", sa.Numeric(14, 2), nullable=False),
        sa.Column("settles", sa.String(length=64), nullable=True),
        sa.Column("valid_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("fiscal_year", "entry"),
    )


def downgrade() -> None:
    op.drop_table("fec_entries")
