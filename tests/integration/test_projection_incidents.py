"""Issue 17 item 3: a stopped projector is one incident, and the database away is not one.

- Stopped at an event, the projector logs one error line however many steps retry it, even when the
  error's text changes between attempts, and keeps the instant it first stopped (``since``).
- A connection lost mid-step is not the event's fault: no stop is recorded, the step raises (the
  request answers 503, billing/api/errors.py), and the next step applies the event.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.utils import get_topic
from sqlalchemy.exc import OperationalError
from support.foundation_helpers import signed_up

from billing.bootstrap import Container
from billing.commands.accounts import RecordIntervention
from ledger.account import CustomerAccount
from ledger.clock import FixedClock

EVENT = "CustomerAccount.InterventionRecorded"
TOPIC = get_topic(CustomerAccount.InterventionRecorded)  # the key of its handler


def test_a_stop_is_logged_once_and_keeps_its_first_instant(
    container: Container, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    signed_up(container, "acme")
    container.projector.catch_up()
    projector = container.projector
    original = projector.handlers[TOPIC]
    attempts = {"n": 0}

    def failing(step: Any, e: Any, position: int) -> None:
        attempts["n"] += 1
        raise ValueError(f"cannot project this intervention (attempt {attempts['n']})")

    projector.handlers[TOPIC] = failing
    try:
        with caplog.at_level(logging.ERROR):
            container.accounts.record_intervention("acme", RecordIntervention(date(2026, 2, 11), Decimal("1.5"), "x"))
            first = projector.failure
            assert first is not None and first.since == clock.now()
            for _ in range(3):
                clock.set(clock.now() + timedelta(minutes=5))
                projector.catch_up()
            assert attempts["n"] >= 4
            last = projector.failure
            assert last is not None and last.position == first.position
            assert last.since == first.since  # the incident's start, not the last retry's
            assert "attempt" in last.error
        stops = [r for r in caplog.records if "stopped at notification" in r.getMessage()]
        assert len(stops) == 1 and stops[0].levelno == logging.ERROR
    finally:
        projector.handlers[TOPIC] = original
    projector.catch_up()
    assert projector.failure is None
    assert container.read_models.status()["stopped"] is False


def test_a_connection_lost_mid_step_is_not_a_stop_at_the_event(container: Container) -> None:
    signed_up(container, "acme")
    container.projector.catch_up()
    projector = container.projector
    original = projector.handlers[TOPIC]
    lost = {"once": True}

    def connection_lost(step: Any, e: Any, position: int) -> None:
        if lost["once"]:
            lost["once"] = False
            raise OperationalError("UPDATE accounts", {}, Exception("server closed the connection unexpectedly"),
                                   connection_invalidated=True)
        original(step, e, position)

    projector.handlers[TOPIC] = connection_lost
    try:
        with pytest.raises(OperationalError):
            container.accounts.record_intervention("acme", RecordIntervention(date(2026, 2, 11), Decimal("1.5"), "x"))
        assert projector.failure is None  # no incident: /health stays ok, nothing logged as a stop
        container.read_models.sync()  # the next step applies the event
        status = container.read_models.status()
        assert (status["lag"], status["stopped"], status["stopped_at"]) == (0, False, None)
    finally:
        projector.handlers[TOPIC] = original
