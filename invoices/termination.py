"""Which invoice carries the early-termination indemnity (contract art. 14, BILLING_RULES §5.7, §9)."""

from __future__ import annotations

from datetime import date

from ledger.money import Money
from ledger.months import Month

__all__ = ["indemnity_on_invoice"]


def indemnity_on_invoice(month: Month, service_end: date | None, early: bool, indemnity: Money) -> Money | None:
    """The indemnity the invoice of ``month`` carries, or ``None``.

    Art. 14: the indemnity is billed on the final invoice, the one of the month holding the last day
    of service; only an early termination owes it (§9: a termination at the end of a period does not).
    """
    if early and service_end is not None and month.contains(service_end):
        return indemnity
    return None
