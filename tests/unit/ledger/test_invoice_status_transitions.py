"""Guarded invoice status transitions (BILLING_RULES §8): issued -> disputed -> issued | accepted | credited."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import Conflict
from ledger.invoice import Invoice
from ledger.money import Money

ON = date(2026, 3, 10)


def issued() -> Invoice:
    return Invoice(number="FX-2026-000001", account="acme", month="2026-02",
                   document={"total_ht": "100.00", "total_vat": "20.00"})


def test_a_dispute_holds_the_invoice_and_clearing_it_releases_it() -> None:
    invoice = issued()
    invoice.mark_disputed("case-1", ON)
    assert invoice.status == "disputed" and invoice.dispute_case == "case-1"
    invoice.mark_disputed("case-1", ON)  # the same case again changes nothing
    with pytest.raises(Conflict):
        invoice.mark_disputed("case-2", ON)
    with pytest.raises(Conflict):
        invoice.clear_dispute("case-2", ON)
    invoice.clear_dispute("case-1", ON)
    assert invoice.status == "issued"
    with pytest.raises(Conflict):
        invoice.clear_dispute("case-1", ON)


def test_an_accepted_dispute_and_a_full_credit_are_final() -> None:
    invoice = issued()
    invoice.mark_disputed("case-1", ON)
    invoice.accept(ON)
    assert invoice.status == "accepted"
    with pytest.raises(Conflict):
        invoice.mark_disputed("case-2", ON)
    invoice.record_credit_note("AV-2026-000001", Money.of("40.00"), Money.of("8.00"), ON, fully=False)
    assert (invoice.status, invoice.credited_ht, invoice.credited_vat) == (
        "accepted", Money.of("40.00"), Money.of("8.00"))
    invoice.record_credit_note("AV-2026-000002", Money.of("60.00"), Money.of("12.00"), ON, fully=True)
    assert (invoice.status, invoice.credited_ht, invoice.credited_vat) == (
        "credited", Money.of("100.00"), Money.of("20.00"))
    with pytest.raises(Conflict):
        invoice.record_credit_note("AV-2026-000003", Money.of("0.01"), Money.zero(), ON, fully=False)
    with pytest.raises(Conflict):
        invoice.accept(ON)


def test_a_stored_document_hash_never_changes() -> None:
    invoice = issued()
    invoice.record_document("a" * 64, "invoices/2026/FX-2026-000001.pdf", ["FX-2026-000001"])
    invoice.record_document("a" * 64, "invoices/2026/FX-2026-000001.pdf", ["FX-2026-000001"])  # idempotent
    with pytest.raises(Conflict):
        invoice.record_document("b" * 64, "invoices/2026/FX-2026-000001.pdf", ["FX-2026-000001"])
    invoice.record_document_rejected([{"rule": "BR-S-02"}])  # too late: ignored
    assert invoice.document_failures is None
