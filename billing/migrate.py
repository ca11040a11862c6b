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

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(settings: Settings) -> Config:
    config = Config(str(ROOT / "alembic.ini")) if (ROOT / "alembic.ini").exists() else Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
    config.attributes["sqlalchemy_url"] = settings.sqlalchemy_url
    return config


def migrate(settings: Settings) -> None:
    ledger = open_ledger(settings, create_tables=True)
    ledger.close()
    command.upgrade(alembic_config(settings), "head")
