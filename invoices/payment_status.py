"""The payment status of an invoice on a day (API.md ``payment_status``; art. 10.2, 10.3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum


class PaymentStatus(StrEnum):
    """Where an invoice's payment stands on a day (BILLING_RULES §8, art. 10.2, 10.3; API.md
    ``payment_status``): ``late`` from the first day after the due date while anything is owed."""

    UNPAID = "unpaid"
    PARTIAL = "partial"
    PAID = "paid"
    LATE = "late"


def payment_status(paid: Decimal, owed_ttc: Decimal, due: date, on: date) -> PaymentStatus:
    """``paid`` once what is owed (TTC net of credit notes) is settled; otherwise ``late`` from the
    first day after the due date (art. 10.3: penalties run "dès le lendemain"), else ``partial`` or
    ``unpaid``.

    >>> print(payment_status(Decimal("1415.15"), Decimal("1415.15"), date(2026, 4, 1), date(2026, 5, 1)))
    paid
    >>> print(payment_status(Decimal("100.00"), Decimal("1415.15"), date(2026, 4, 1), date(2026, 4, 1)))
    partial
    >>> print(payment_status(Decimal("0"), Decimal("1415.15"), date(2026, 4, 1), date(2026, 4, 2)))
    late
    """
    if paid >= owed_ttc:
        return PaymentStatus.PAID
    if on > due:
        return PaymentStatus.LATE
    return PaymentStatus.PARTIAL if paid > 0 else PaymentStatus.UNPAID
