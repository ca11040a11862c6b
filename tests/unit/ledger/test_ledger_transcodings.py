"""The ledger stores Money, date and Month in events and snapshots and gives them back typed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder

from billing.persistence.eventstore import Ledger
from ledger.account import CustomerAccount
from ledger.account_records import Intervention
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


def test_an_account_snapshot_keeps_its_records_typed() -> None:
    # The account's state is frozen records (ledger/account_records.py); a snapshot stores them as
    # their fields and gives them back as the same records, withdrawn ones still withdrawn.
    ledger = Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    account = CustomerAccount.register(
        "acme", "ACME SAS", "732829320", None, "standard",
        "billing@acme.example", {"line1": "1 rue de la Paix", "postcode": "75002", "city": "Paris", "country": "FR"},
    )
    account.sign_contract(
        "starter", date(2026, 3, 1), Money.of("800"), False, "sepa_debit",
        {"reference": "RUM-1", "signed_on": "2026-02-20", "iban": "FR7630006000011234567890189", "bic": None},
        "2026-A",
    )
    account.record_intervention(date(2026, 3, 13), Decimal("1.5"), "custom export")
    account.record_intervention(date(2026, 3, 14), Decimal("2"), "entered twice")
    account.withdraw_intervention(2, "entered twice", None)
    account.record_payment("FX-2026-000001", Money.of("1415.15"), date(2026, 3, 30), "transfer", "r1")
    ledger.save(account)
    ledger.take_snapshot(account.id)

    restored = ledger.repository.get(account.id)
    assert restored.contract == account.contract and restored.contract.installation_fee == Money.of("800.00")
    assert restored.contract.mandate.signed_on == date(2026, 2, 20)
    assert restored.interventions == account.interventions == [
        Intervention(on=date(2026, 3, 13), hours=Decimal("1.5"), description="custom export")
    ]
    assert restored.payments == account.payments and restored.address == account.address
