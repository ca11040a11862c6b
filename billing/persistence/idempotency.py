"""Idempotency-Key storage (API.md "Retries"): a retried POST never runs its command twice.

The key of a request is reserved in the SAME transaction as the first events its command saves
(the event store's recorders call :func:`reserve_sql_args` through :data:`CURRENT`), so either the
effect and the key are both committed or neither is: a retry of a request whose command committed
finds the key and gets the first response (or a 409 while that response is still being written),
never a second effect. A request that stored no event (a refusal, a read-like POST) records its
key with its response when it answers. Rows are kept 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing.persistence import tables as t
from billing.runtime.idempotency_context import CURRENT, PendingKey, take_reservation

__all__ = ["CURRENT", "IdempotencyStore", "PendingKey", "StoredKey", "take_reservation"]

RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class StoredKey:
    request_hash: str
    status: int | None
    content_type: str | None
    response: bytes | None


class IdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, key_hash: str, now: datetime) -> StoredKey | None:
        """The request kept under this key, if any; keys older than 30 days are forgotten first."""
        with self.engine.begin() as conn:
            conn.execute(delete(t.idempotency_keys).where(t.idempotency_keys.c.created_at < now - RETENTION))
            row = conn.execute(select(t.idempotency_keys).where(t.idempotency_keys.c.key_hash == key_hash)).first()
        if row is None:
            return None
        return StoredKey(row.request_hash, row.status, row.content_type, row.response)

    def complete(self, pending: PendingKey, status: int, content_type: str | None, body: bytes) -> None:
        """Keep the response of the request: on its reserved row, or in a new row."""
        values = {"status": status, "content_type": content_type, "response": body}
        with self.engine.begin() as conn:
            if pending.reserved:
                conn.execute(
                    update(t.idempotency_keys).where(t.idempotency_keys.c.key_hash == pending.key_hash).values(**values)
                )
                return
            insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t.idempotency_keys)
            conn.execute(
                insert.values(
                    key_hash=pending.key_hash, request_hash=pending.request_hash, created_at=pending.created_at,
                    **values,
                ).on_conflict_do_nothing()
            )


RESERVE_SQLITE = "INSERT INTO idempotency_keys (key_hash, request_hash, created_at) VALUES (?, ?, ?)"
RESERVE_POSTGRES = "INSERT INTO idempotency_keys (key_hash, request_hash, created_at) VALUES (%s, %s, %s)"


def reserve_args(pending: PendingKey) -> tuple[Any, ...]:
    """Parameters of RESERVE_*; SQLite stores the instant as SQLAlchemy's DateTime would read it."""
    return (pending.key_hash, pending.request_hash, pending.created_at)


def sqlite_reserve_args(pending: PendingKey) -> tuple[Any, ...]:
    """SQLAlchemy's SQLite DateTime is text without an offset; ``created_at`` is always in UTC."""
    return (pending.key_hash, pending.request_hash, pending.created_at.strftime("%Y-%m-%d %H:%M:%S.%f"))
