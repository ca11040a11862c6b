"""catch-up periods (BILLING_RULES §7b) and the reason a month close failed (§7)

Revision ID: 0003_catch_up
Revises: 0001
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_catch_up'
down_revision = '0002_hostile_input'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catch_up_periods',
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('booked_month', sa.Integer(), nullable=False),
    sa.Column('origin_month', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('account', 'booked_month', 'origin_month')
    )
    with op.batch_alter_table('months', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('months', schema=None) as batch_op:
        batch_op.drop_column('error')
    op.drop_table('catch_up_periods')
