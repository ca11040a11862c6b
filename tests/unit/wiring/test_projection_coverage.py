"""Every event an aggregate of ``ledger/`` can record has a read-side handler, or is listed among the
events no read model needs (``billing/persistence/handlers/unprojected.py``, each with its reason):
a new event without a projection fails here, not in a read model found stale later (issue 21)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest
from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate, _created_event_classes
from eventsourcing.utils import get_topic

import ledger
from billing.persistence.handlers import BY_AGGREGATE, invoice, register_handlers
from billing.persistence.handlers.unprojected import UNPROJECTED
from billing.persistence.projections import ReadModelProjector
from ledger.account import CustomerAccount
from ledger.invoice import Invoice


def aggregates() -> list[type[Aggregate]]:
    found = []
    for info in pkgutil.iter_modules(ledger.__path__):
        module = importlib.import_module(f"ledger.{info.name}")
        for value in vars(module).values():
            if (inspect.isclass(value) and issubclass(value, Aggregate) and value is not Aggregate
                    and value.__module__ == module.__name__):
                found.append(value)
    return found


def recordable_events(aggregate: type[Aggregate]) -> set[type]:
    """The events the aggregate can record: its "created" event (the one its ``__init__`` records,
    as eventsourcing nominates it) and every other event class defined on it. The default
    ``Created`` class eventsourcing also defines beside a named one is never recorded."""
    created = set(_created_event_classes[aggregate])
    events = set()
    for name in dir(aggregate):
        value = getattr(aggregate, name)
        if (inspect.isclass(value) and issubclass(value, CanMutateAggregate) and value is not aggregate.Event
                and value.__qualname__ == f"{aggregate.__qualname__}.{name}"
                and (not issubclass(value, CanInitAggregate) or value in created)):
            events.add(value)
    return events


ALL_EVENTS = {event for aggregate in aggregates() for event in recordable_events(aggregate)}
HANDLED = {event for handlers in BY_AGGREGATE for event in handlers}


def test_the_enumeration_sees_the_events_of_each_aggregate() -> None:
    # Guards the test itself: every aggregate module is seen, the account's mixins' events and the
    # created events are found, and not the default Created beside a named created event.
    assert {a.__qualname__ for a in aggregates()} >= {
        "CustomerAccount", "Invoice", "CreditNote", "MonthClose", "Case", "DirectDebitFile", "DirectDebitRegister",
        "InvoiceNumbering", "PriceGridCatalogue", "UsageBatch", "QuarantinedMail", "ServiceLevel", "VatRateTable",
        "LatePaymentRateTable",
    }
    assert {CustomerAccount.Registered, CustomerAccount.PaymentRecorded, CustomerAccount.OptionWithdrawn,
            Invoice.Issued, Invoice.DocumentStored} <= ALL_EVENTS
    assert CustomerAccount.Created not in ALL_EVENTS and Invoice.Created not in ALL_EVENTS


def test_every_event_of_every_aggregate_is_projected_or_listed_as_needing_no_read_model() -> None:
    missing = sorted(get_topic(e) for e in ALL_EVENTS - HANDLED - UNPROJECTED)
    assert not missing, f"events without a handler, nor listed in handlers/unprojected.py: {missing}"


def test_no_event_is_both_projected_and_listed_as_unprojected_and_no_entry_is_stale() -> None:
    assert not HANDLED & UNPROJECTED
    assert not (HANDLED | UNPROJECTED) - ALL_EVENTS  # a handler or entry of an event no aggregate records


def test_each_event_class_has_one_handler_keyed_by_its_topic() -> None:
    nothing: Any = None
    projector = ReadModelProjector(ledger=nothing, engine=nothing)  # registering needs neither
    register_handlers(projector)
    assert len(projector.handlers) == len(HANDLED) == sum(len(h) for h in BY_AGGREGATE)
    assert projector.handlers["ledger.invoice:Invoice.Issued"] is invoice.issued
    with pytest.raises(ValueError, match=re.escape("already registered for ledger.invoice:Invoice.Issued")):
        projector.on(Invoice.Issued, lambda step, e, position: None)
