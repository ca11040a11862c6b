"""The Idempotency-Key of the request being served, shared by the API middleware and the recorders.

The middleware sets :data:`CURRENT` around one request; the event store's recorders reserve the key
in the same transaction as the command's first saved events (billing/persistence/idempotency.py).
This module holds only that context, so the API does not import persistence to set it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime


@dataclass
class PendingKey:
    """The key of the request being served, reserved with its first saved event."""

    key_hash: str
    request_hash: str
    created_at: datetime  # in UTC (SQLite keeps it as text without offset)
    reserved: bool = False


# Set by the API middleware around one request; the copy of the context made for the thread
# running a sync endpoint shares this object, so the recorder sees it and marks it reserved.
CURRENT: ContextVar[PendingKey | None] = ContextVar("idempotency_key", default=None)


def take_reservation() -> PendingKey | None:
    """The key to insert with the events being saved now (once per request), if any."""
    pending = CURRENT.get()
    if pending is None or pending.reserved:
        return None
    return pending
