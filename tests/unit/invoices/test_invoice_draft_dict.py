"""The draft's JSON shape (API.md "Invoices", minus number/status/payment_status/pdf)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoices.draft import InvoiceDraft, InvoiceLine, PenaltyAllocation
from ledger.money import Money
from ledger.months import Month


def test_to_dict_writes_amounts_with_two_decimals_and_iso_dates() -> None:
    draft = InvoiceDraft(
        account="acme",
        month=Month(2026, 2),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
        dispute_deadline=date(2026, 3, 22),
        lines=(
            InvoiceLine(
                "plan_fee",
                "Forfait Flexio Pro — février 2026 (19/28 jours)",
                "19/28",
                Money.of("500"),
                Money.of("339.29"),
                {"service_days": 19},
            ),
            InvoiceLine("penalty_credit", "Dédommagement (pénalités)", "1", None, Money.of("-10.00")),
        ),
        total_ht=Money.of("329.29"),
        vat_rate=Decimal("20"),
        total_vat=Money.of("65.86"),
        total_ttc=Money.of("395.15"),
        vat_mention=None,
        payment_method="sepa_debit",
        collection_date=date(2026, 4, 1),
        mandate_reference="RUM-1",
        penalty_allocations=(PenaltyAllocation("pc-1", Money.of("10")),),
        grid_version="2026-A",
    )
    assert draft.to_dict() == {
        "account": "acme",
        "month": "2026-02",
        "issue_date": "2026-03-02",
        "due_date": "2026-04-01",
        "dispute_deadline": "2026-03-22",
        "lines": [
            {
                "kind": "plan_fee",
                "label": "Forfait Flexio Pro — février 2026 (19/28 jours)",
                "quantity": "19/28",
                "unit_price": "500.00",
                "amount": "339.29",
                "details": {"service_days": 19},
            },
            {
                "kind": "penalty_credit",
                "label": "Dédommagement (pénalités)",
                "quantity": "1",
                "unit_price": None,
                "amount": "-10.00",
                "details": {},
            },
        ],
        "total_ht": "329.29",
        "vat_rate": "20.00",
        "total_vat": "65.86",
        "total_ttc": "395.15",
        "vat_mention": None,
        "payment_method": "sepa_debit",
        "collection_date": "2026-04-01",
        "mandate_reference": "RUM-1",
        "penalty_allocations": [{"credit_id": "pc-1", "amount": "10.00"}],
        "grid_version": "2026-A",
    }


def test_unknown_line_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        InvoiceLine("discount", "Remise", "1", None, Money.of("-1.00"))
