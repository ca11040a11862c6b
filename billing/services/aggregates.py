"""Running a command on one aggregate with optimistic concurrency.

Two commands racing on one aggregate both load version N; the first save wins, the second gets
an IntegrityError from the event store, reloads and runs again against the new state (whose
guards may now refuse it). No event is lost, and nothing is written twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from billing.persistence.eventstore import Ledger
from ledger.errors import Conflict, NotFound

T = TypeVar("T")
# Enough for a burst of concurrent writers on one aggregate (each round has one winner), with a
# jittered backoff so the losers do not collide again in lockstep.
ATTEMPTS = 30


def get_aggregate(ledger: Ledger, aggregate_id: UUID, what: str) -> Any:
    try:
        return ledger.repository.get(aggregate_id)
    except AggregateNotFoundError:
        raise NotFound(f"{what} not found") from None


def find_aggregate(ledger: Ledger, aggregate_id: UUID) -> Any | None:
    try:
        return ledger.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None


def run_command(
    ledger: Ledger,
    aggregate_id: UUID,
    command: Callable[[Any], T],
    *,
    what: str,
    create: Callable[[], Any] | None = None,
    after_save: Callable[[], object] | None = None,
) -> T:
    """Load (or create) the aggregate, run ``command`` on it, save; retry on a version clash."""
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, 0.005 * min(attempt, 10)))
        aggregate = find_aggregate(ledger, aggregate_id)
        if aggregate is None:
            if create is None:
                raise NotFound(f"{what} not found")
            aggregate = create()
        result = command(aggregate)
        try:
            ledger.save(aggregate)
        except IntegrityError:
            continue
        if after_save is not None:
            after_save()
        return result
    raise Conflict(f"{what} is being changed by another request; retry")
