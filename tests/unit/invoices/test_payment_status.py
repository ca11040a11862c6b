"""Payment status (art. 10.3): the §10 invoice, TTC 1,415.15, due 2026-04-01."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from invoices.payment_status import payment_status

DUE = date(2026, 4, 1)
TTC = Decimal("1415.15")


def test_an_invoice_is_late_from_the_day_after_its_due_date() -> None:
    assert payment_status(Decimal("0"), TTC, DUE, DUE) == "unpaid"  # the due date itself: not late yet
    assert payment_status(Decimal("0"), TTC, DUE, date(2026, 4, 2)) == "late"
    assert payment_status(Decimal("1000.00"), TTC, DUE, date(2026, 4, 2)) == "late"  # 415.15 still due


def test_a_partly_paid_invoice_is_partial_until_settled() -> None:
    assert payment_status(Decimal("1000.00"), TTC, DUE, date(2026, 3, 20)) == "partial"
    assert payment_status(Decimal("1415.15"), TTC, DUE, date(2026, 5, 1)) == "paid"


def test_a_credit_note_lowers_what_is_owed() -> None:
    # 1,415.15 - a credit note of 40.00 TTC = 1,375.15 owed; 1,375.15 paid settles it.
    assert payment_status(Decimal("1375.15"), TTC - Decimal("40.00"), DUE, date(2026, 5, 1)) == "paid"
