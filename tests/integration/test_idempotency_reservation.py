"""The Idempotency-Key of a request is committed in the event store's transaction of its effect."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

import pytest
from sqlalchemy import select
from support.foundation_helpers import signed_up

from billing.bootstrap import Container
from billing.commands.accounts import RecordIntervention
from billing.persistence import tables as t
from billing.persistence.idempotency import CURRENT, IdempotencyStore, PendingKey
from ledger.clock import FixedClock
from ledger.errors import InvalidInput


def test_the_key_is_reserved_with_the_first_saved_event_and_not_by_a_refused_command(
    container: Container, clock: FixedClock
) -> None:
    signed_up(container, "acme")
    now = clock.now().astimezone(UTC)
    refused = PendingKey("a" * 64, "r" * 64, now)
    context = CURRENT.set(refused)
    try:
        with pytest.raises(InvalidInput):
            container.accounts.record_intervention("acme", RecordIntervention(date(2026, 2, 11), Decimal("745"), "x"))
    finally:
        CURRENT.reset(context)
    assert not refused.reserved
    events = container.ledger.recorder.max_notification_id()

    pending = PendingKey("b" * 64, "r" * 64, now)
    context = CURRENT.set(pending)
    try:
        container.accounts.record_intervention("acme", RecordIntervention(date(2026, 2, 11), Decimal("1.5"), "x"))
        container.accounts.record_intervention("acme", RecordIntervention(date(2026, 2, 12), Decimal("1.5"), "y"))
    finally:
        CURRENT.reset(context)
    assert pending.reserved
    assert container.ledger.recorder.max_notification_id() == events + 2
    with container.engine.connect() as conn:
        rows = conn.execute(select(t.idempotency_keys.c.key_hash, t.idempotency_keys.c.status)).all()
    # One row (the second save did not insert it again), with no response yet: a retry now is a 409.
    assert [(r.key_hash, r.status) for r in rows] == [("b" * 64, None)]
    stored = IdempotencyStore(container.engine).find("b" * 64, now)
    assert stored is not None and stored.status is None
