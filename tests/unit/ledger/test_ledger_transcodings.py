"""The ledger stores Money, date and Month in events and snapshots and gives them back typed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder

from billing.persistence.eventstore import Ledger
from ledger.invoice import Invoice
from ledger.money import Money
from ledger.months import Month
from ledger.numbering import INVOICE_SERIES, InvoiceNumbering
from ledger.transcodings import LEDGER_TRANSCODINGS


def _transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in LEDGER_TRANSCODINGS:
        transcoder.register(transcoding)
    return transcoder


def test_value_types_round_trip_as_their_canonical_text() -> None:
    transcoder = _transcoder()
    value = {"fee": Money(Decimal("800.00")), "on": date(2025, 4, 1), "month": Month(2025, 3)}
    stored = transcoder.encode(value)
    assert b'"_data_":"800.00"' in stored and b'"_data_":"2025-04-01"' in stored and b'"_data_":"2025-03"' in stored
    assert transcoder.decode(stored) == value


def test_full_precision_money_is_stored_unrounded() -> None:
    # 1,000.00 × 1,000 / 1,200 = 833.333…: rounding stays the caller's explicit step (ledger/money.py).
    amount = Money(Decimal("1000.00") * Decimal(1000) / Decimal(1200))
    assert _transcoder().decode(_transcoder().encode(amount)) == amount


def test_a_datetime_is_not_taken_for_a_business_date() -> None:
    transcoder = _transcoder()
    transcoder.register(DatetimeAsISO())
    moment = datetime(2025, 4, 1, 9, 30)
    assert transcoder.decode(transcoder.encode(moment)) == moment


def test_the_ledger_gives_back_typed_state_after_a_reload() -> None:
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    numbering = InvoiceNumbering()
    numbering.allocate(INVOICE_SERIES, date(2025, 4, 1), 3)  # numbers 1..3 of 2025, issued on 1 April
    invoice = Invoice(number="F-2025-000001", account="acme", month="2025-03", document={})
    invoice.accept(on=date(2025, 5, 2))
    ledger.save(numbering, invoice)
    reloaded = ledger.repository.get(InvoiceNumbering.create_id())
    assert reloaded.last_issued_on(INVOICE_SERIES) == date(2025, 4, 1)
    assert reloaded.counters == {"invoice:2025": 3}
    assert ledger.repository.get(invoice.id).status == "accepted"
