"""The event store: one eventsourcing Application over SQLite (default) or PostgreSQL.

The recorders are eventsourcing's own, extended at one point: when a usage batch is saved, its
idempotency keys are inserted in the same transaction as the stored event (issue: "the
idempotency index is committed in the same transaction as the events"). A key that is already
there makes the whole transaction fail with an IntegrityError, which the caller retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from billing.settings import Settings
from ledger.account import CustomerAccount
from ledger.invoicing import InvoiceNumbering

UsageKeys = tuple[list[str], list[str], list[int], list[int]]  # accounts, ids, at (micros), credits


class UsageKeysPostgresRecorder(PostgresApplicationRecorder):
    """Inserts usage idempotency keys before the events, in the recorder's own transaction."""

    def _insert_events(self, curs: Any, stored_events: Sequence[Any], **kwargs: Any) -> None:
        keys: UsageKeys | None = kwargs.get("usage_keys")
        if keys:
            # One JSON parameter: psycopg dumps a 5,000-element text array element by element in
            # Python, while PostgreSQL parses the same rows from JSON in C, several times faster.
            accounts, ids, at, credits = keys
            rows = msgspec.json.encode(
                [{"a": a, "i": i, "t": t, "c": c} for a, i, t, c in zip(accounts, ids, at, credits, strict=True)]
            )
            curs.execute(
                "INSERT INTO usage_keys (account, event_id, at_micros, credits) "
                "SELECT a, i, t, c FROM json_to_recordset(%s::json) AS r(a text, i text, t bigint, c bigint)",
                (rows.decode(),),
            )
        super()._insert_events(curs, stored_events, **kwargs)


class UsageKeysSQLiteRecorder(SQLiteApplicationRecorder):
    def _insert_events(self, c: Any, stored_events: Sequence[Any], **kwargs: Any) -> Sequence[int] | None:
        keys: UsageKeys | None = kwargs.get("usage_keys")
        if keys:
            c.executemany(
                "INSERT INTO usage_keys (account, event_id, at_micros, credits) VALUES (?, ?, ?, ?)",
                list(zip(*keys, strict=True)),
            )
        return super()._insert_events(c, stored_events, **kwargs)


class Ledger(Application[UUID]):
    """All billing facts, per aggregate, in one notification log that the read models follow."""

    name = "Ledger"
    is_snapshotting_enabled = True
    snapshotting_intervals = {CustomerAccount: 100, InvoiceNumbering: 100}


def ledger_env(settings: Settings, *, create_tables: bool = False) -> dict[str, str]:
    """eventsourcing's environment keys for the configured database (ENGINEERING_NOTES)."""
    env = {"CREATE_TABLE": "y" if create_tables else "n"}
    if settings.is_sqlite:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(settings.sqlite_path),
            SQLITE_LOCK_TIMEOUT="30",
            APPLICATION_RECORDER_TOPIC="billing.persistence.eventstore:UsageKeysSQLiteRecorder",
        )
    else:
        pg = settings.postgres
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=pg["dbname"],
            POSTGRES_HOST=pg["host"],
            POSTGRES_PORT=pg["port"],
            POSTGRES_USER=pg["user"],
            POSTGRES_PASSWORD=pg["password"],
            POSTGRES_POOL_SIZE=str(settings.postgres_pool_size),
            POSTGRES_MAX_OVERFLOW="10",
            POSTGRES_LOCK_TIMEOUT=str(settings.postgres_lock_timeout),
            POSTGRES_CONNECT_TIMEOUT="10",
            APPLICATION_RECORDER_TOPIC="billing.persistence.eventstore:UsageKeysPostgresRecorder",
        )
    return env


def open_ledger(settings: Settings, *, create_tables: bool = False) -> Ledger:
    return Ledger(env=ledger_env(settings, create_tables=create_tables))
