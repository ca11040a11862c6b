"""The cap on penalty credits (BILLING_RULES §6; contract art. 13, 18.1 "indemnisation globale et cumulée").

For every incident date t (of a credit granted something), the credits granted for incidents
dated in [t − 6 months, t] (both ends included) add up to no more than the HT value of the
payments received in that same window. The rule holds for every window at once: a new request is
granted the largest amount that keeps every window that contains its incident date within its cap,
including the windows of later incidents that already have credits. Credits are HT and payments
TTC, so a payment counts for its HT value: amount × HT / TTC of the invoice it paid.

Example (§6): 1,200.00 TTC paid on 2026-03-01 for an invoice of 1,000.00 HT (HT value 1,000.00);
1,000 requested for 2026-06-01 then 1,000 for 2026-05-15: the first is granted 1,000.00; the
second fits its own window [2025-11-15, 2026-05-15] but not the window of 2026-06-01, which
already holds 1,000.00: granted 0. In the other order, 1,000.00 then 0. Either way 1,000.00 in all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta

from ledger.account_records import Payment, PenaltyCredit
from ledger.money import Money

__all__ = [
    "WINDOW",
    "CreditInWindow",
    "PaymentHT",
    "cap_room",
    "capped_grant",
    "grantable",
    "payment_ht_value",
    "window_room",
]

WINDOW = relativedelta(months=6)  # art. 13: "six (6) derniers mois"


@dataclass(frozen=True, slots=True)
class PaymentHT:
    received_on: date
    ht_value: Decimal  # exact: amount × HT / TTC, not rounded (§3 rounds lines, not this)


@dataclass(frozen=True, slots=True)
class CreditInWindow:
    incident_on: date
    granted: Decimal


def payment_ht_value(amount: Money, invoice_ht: Money | None, invoice_ttc: Money | None) -> Decimal:
    """A payment's HT value: amount × HT / TTC of the invoice it paid (§6); at par without VAT."""
    if invoice_ht is None or invoice_ttc is None or invoice_ttc.is_zero() or invoice_ht == invoice_ttc:
        return amount.amount
    return amount.amount * invoice_ht.amount / invoice_ttc.amount


def _in_window(day: date, t: date) -> bool:
    return t - WINDOW <= day <= t


def window_room(t: date, payments: Iterable[PaymentHT], credits: Iterable[CreditInWindow]) -> Decimal:
    """What the window ending at ``t`` can still take: paid HT in it minus credits granted in it."""
    paid = sum((p.ht_value for p in payments if _in_window(p.received_on, t)), Decimal(0))
    granted = sum((c.granted for c in credits if _in_window(c.incident_on, t)), Decimal(0))
    return paid - granted


def grantable(
    requested: Money, incident_on: date, payments: Iterable[PaymentHT], credits: Iterable[CreditInWindow]
) -> Money:
    """The largest amount (to the cent, never above the cap) that keeps every window within its cap."""
    payments = list(payments)
    credits = list(credits)
    # The windows a credit for ``incident_on`` falls in: its own, and those of later incidents within
    # 6 months that have a credit. A later incident granted nothing constrains nothing: its window may
    # already hold more than it could (a credit of an earlier incident whose payments are older than
    # that window), and a new credit must not be refused for what it did not cause.
    anchors = {incident_on} | {
        c.incident_on for c in credits if c.granted > 0 and _in_window(incident_on, c.incident_on)
    }
    room = min(window_room(t, payments, credits) for t in anchors)
    amount = max(Decimal(0), min(requested.amount, room))
    return Money(amount.quantize(Decimal("0.01"), rounding=ROUND_DOWN))  # down: never above the cap


# -- over an account's records -------------------------------------------------------------------

InvoiceTotals = Mapping[str, tuple[Money, Money]]  # invoice number -> (total HT, total TTC)


def payments_ht(payments: Iterable[Payment], invoices: InvoiceTotals | None) -> list[PaymentHT]:
    """Each payment at its HT value (§6): amount × HT / TTC of the invoice it paid; at par if unknown."""
    known = invoices or {}
    result = []
    for p in payments:
        ht, ttc = known.get(p.invoice, (None, None))
        result.append(PaymentHT(p.received_on, payment_ht_value(p.amount, ht, ttc)))
    return result


def credits_in_windows(credits: Iterable[PenaltyCredit]) -> list[CreditInWindow]:
    return [CreditInWindow(c.incident_on, c.granted.amount) for c in credits]


def cap_room(
    incident_on: date, payments: Iterable[Payment], credits: Iterable[PenaltyCredit], invoices: InvoiceTotals | None
) -> Money:
    """What the window ending on ``incident_on`` can still take (§6, art. 13), possibly negative."""
    return Money(window_room(incident_on, payments_ht(payments, invoices), credits_in_windows(credits)))


def capped_grant(
    requested: Money,
    incident_on: date,
    payments: Iterable[Payment],
    credits: Iterable[PenaltyCredit],
    invoices: InvoiceTotals | None,
) -> Money:
    """What a credit requested for ``incident_on`` is granted, capped over every window at once (§6)."""
    return grantable(requested, incident_on, payments_ht(payments, invoices), credits_in_windows(credits))
