"""The Alembic migrations build exactly the read-model tables that ``tables.py`` declares.

A column added to ``tables.py`` without its migration (or a migration that drifts from the
declaration) would pass every test that builds tables from the declaration and fail in production,
where only the migrations run. Alembic's own comparison finds the drift; the event store's tables
(eventsourcing's, created by ``billing migrate`` before Alembic) are not read models and are skipped.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from billing.persistence.migrate import migrate
from billing.persistence.tables import metadata
from billing.settings import Settings

EVENT_STORE_SUFFIXES = ("_events", "_snapshots")  # eventsourcing's tables (SQLite: stored_events, stored_snapshots)


def _is_event_store_table(name: str) -> bool:
    return name == "alembic_version" or name.endswith(EVENT_STORE_SUFFIXES)


def _is_read_model(object_: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table_name = name if type_ == "table" else getattr(getattr(object_, "table", None), "name", None)
    return table_name is None or not _is_event_store_table(table_name)


def test_migrations_build_exactly_the_declared_tables(settings: Settings) -> None:
    migrate(settings)
    engine = create_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _is_read_model}
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == [], f"migrations and tables.py differ: {differences}"
