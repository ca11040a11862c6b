"""indexes of the reads people wait on (issue 20 item 4): late-payment invoices by their line kind

Revision ID: 0009_speed
Revises: 0008_mail_quarantine
Create Date: 2026-12-04
"""
from __future__ import annotations

from alembic import op

revision = "0009_speed"
down_revision = "0008_mail_quarantine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # GET /v1/admin/receivables tells late-payment invoices by their lines' kind (§8).
    op.create_index("ix_invoice_lines_kind", "invoice_lines", ["kind", "number"])


def downgrade() -> None:
    op.drop_index("ix_invoice_lines_kind", table_name="invoice_lines")
