"""The payment status of an invoice on a day (API.md ``payment_status``; art. 10.2, 10.3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

PaymentStatus = Literal["unpaid", "partial", "paid", "late"]


def payment_status(paid: Decimal, owed_ttc: Decimal, due: date, on: date) -> PaymentStatus:
    """``paid`` once what is owed (TTC net of credit notes) is settled; otherwise ``late`` from the
    first day after the due date (art. 10.3: penalties run "dès le lendemain"), else ``partial`` or
    ``unpaid``.

    >>> payment_status(Decimal("1415.15"), Decimal("1415.15"), date(2026, 4, 1), date(2026, 5, 1))
    'paid'
    >>> payment_status(Decimal("100.00"), Decimal("1415.15"), date(2026, 4, 1), date(2026, 4, 1))
    'partial'
    >>> payment_status(Decimal("0"), Decimal("1415.15"), date(2026, 4, 1), date(2026, 4, 2))
    'late'
    """
    if paid >= owed_ttc:
        return "paid"
    if on > due:
        return "late"
    return "partial" if paid > 0 else "unpaid"
