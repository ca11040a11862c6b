"""Penalty credits deducted from an invoice (BILLING_RULES §5.8, contract art. 10.2, 12, 13).

Art. 10.2: "Les dédommagements forfaitaires [...] s'imputent prioritairement sur les facturations à
venir." The deduction never takes an invoice below zero; what is left of a credit carries forward
to the next invoices, so allocation must be deterministic (oldest first, stable tie-breaks).
"""

from __future__ import annotations

from collections.abc import Iterable

from invoices.draft import PenaltyAllocation
from ledger.money import Money
from pricing.account_month import AvailablePenaltyCredit

__all__ = ["allocate_penalty_credits"]


def allocate_penalty_credits(
    subtotal: Money, credits: Iterable[AvailablePenaltyCredit]
) -> tuple[PenaltyAllocation, ...]:
    """Use credits oldest first, up to ``subtotal`` (§5.8).

    Order: ``granted_on``, then ``incident_on``, then ``credit_id`` (a total order, so re-rating a month
    gives the same allocation). Credits with nothing left are skipped. The caller keeps only credits
    granted on or before the issue date (§5.8) and records ``remaining - amount`` as carried forward.
    """
    left = subtotal
    allocations: list[PenaltyAllocation] = []
    ordered = sorted(credits, key=lambda c: (c.granted_on, c.incident_on, c.credit_id))
    for credit in ordered:
        if not left.is_positive():
            break
        if not credit.remaining.is_positive():
            continue  # §5.8: a used-up credit takes no part
        used = min(credit.remaining, left)
        allocations.append(PenaltyAllocation(credit_id=credit.credit_id, amount=used))
        left = left - used
    return tuple(allocations)
