"""portal: sign-in links, page sessions and job states (issue 23)

Revision ID: 0011_portal
Revises: 0010_close_progress
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_portal"
down_revision = "0010_close_progress"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_sign_in_links",
        sa.Column("link_hash", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("link_hash"),
    )
    op.create_index("ix_portal_sign_in_links_account", "portal_sign_in_links", ["account"])
    op.create_index("ix_portal_sign_in_links_created_at", "portal_sign_in_links", ["created_at"])
    op.create_table(
        "page_sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("session_hash"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_page_sessions_account", "page_sessions", ["account"])
    op.create_table(
        "job_states",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("job_states")
    op.drop_index("ix_page_sessions_account", table_name="page_sessions")
    op.drop_table("page_sessions")
    op.drop_index("ix_portal_sign_in_links_created_at", table_name="portal_sign_in_links")
    op.drop_index("ix_portal_sign_in_links_account", table_name="portal_sign_in_links")
    op.drop_table("portal_sign_in_links")
