"""``billing migrate``: create the event tables, then run Alembic for the read models.

Event tables are created here, once, and never by the API or workers at start (they run with
``CREATE_TABLE=n``): a dozen processes creating them together failed (ENGINEERING_NOTES).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from billing.persistence.eventstore import open_ledger
from billing.settings import Settings

PACKAGE = Path(__file__).resolve().parents[1]  # billing/
ROOT = PACKAGE.parent  # the repository, with alembic.ini


def alembic_config(settings: Settings) -> Config:
    config = Config(str(ROOT / "alembic.ini")) if (ROOT / "alembic.ini").exists() else Config()
    config.set_main_option("script_location", str(PACKAGE / "migrations"))
    config.attributes["sqlalchemy_url"] = settings.sqlalchemy_url
    return config


MIGRATION_LOCK = 815_001_006  # any constant: one advisory lock for every process of this service


def migrate(settings: Settings) -> None:
    """Idempotent. On PostgreSQL an advisory lock makes processes starting together migrate one by one."""
    if settings.is_sqlite:
        _migrate(settings)
        return
    import psycopg

    p = settings.postgres
    with psycopg.connect(
        host=p["host"], port=p["port"], dbname=p["dbname"], user=p["user"], password=p["password"] or None,
        autocommit=True,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            _migrate(settings)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))


def _migrate(settings: Settings) -> None:
    ledger = open_ledger(settings, create_tables=True)
    ledger.close()
    command.upgrade(alembic_config(settings), "head")
