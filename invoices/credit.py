"""The HT/VAT split of a credit note (BILLING_RULES §3, §7: an issued invoice is corrected by an avoir).

A credit note takes back an amount HT of one invoice, at that invoice's VAT rate and regime. Its
VAT is rounded half-up like an invoice's (§3); the credit that takes back all that is left takes
back exactly the VAT left too, so an invoice credited in several parts nets to zero to the cent.
Amounts come out negative (API.md: "amounts negative"). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.money import Money, round_half_up

__all__ = ["CreditRefused", "CreditSplit", "credit_note_document", "credit_split"]


class CreditRefused(ValueError):
    """Nothing may be credited: a zero or negative amount, or more than is left (API.md: 422)."""


@dataclass(frozen=True)
class CreditSplit:
    total_ht: Money  # negative
    total_vat: Money  # negative
    total_ttc: Money  # negative
    fully_credited: bool


def credit_split(
    amount_ht: Decimal,
    invoice_ht: Decimal,
    invoice_vat: Decimal,
    credited_ht: Decimal,
    credited_vat: Decimal,
    vat_rate: Decimal,
) -> CreditSplit:
    """Split a credit of ``amount_ht`` (positive, in euros) against what is left of the invoice.

    Example: invoice 1,179.29 HT + 235.86 VAT at 20%; credit 40.00 HT: VAT 8.00, TTC -48.00.
    A second credit of the 1,139.29 left: VAT 235.86 - 8.00 = 227.86 (not 227.858 → 227.86 by chance).
    """
    if amount_ht != round_half_up(amount_ht):
        raise CreditRefused("amount_ht has more than two decimals")
    if amount_ht <= 0:
        raise CreditRefused("amount_ht must be positive")
    left_ht = invoice_ht - credited_ht
    if amount_ht > left_ht:
        raise CreditRefused(f"amount_ht {amount_ht:.2f} is more than the {max(left_ht, Decimal(0)):.2f} left to credit")
    fully = amount_ht == left_ht
    # §3: VAT half-up on the amount; the last credit takes back exactly the VAT left, to the cent.
    vat = invoice_vat - credited_vat if fully else round_half_up(amount_ht * vat_rate / Decimal(100))
    return CreditSplit(
        total_ht=Money(-amount_ht),
        total_vat=Money(-vat),
        total_ttc=Money(-(amount_ht + vat)),
        fully_credited=fully,
    )


def credit_note_document(
    number: str,
    invoice: dict[str, Any],
    split: CreditSplit,
    reason: str,
    issue_date: date,
    seller: dict[str, Any],
    buyer: dict[str, Any],
) -> dict[str, Any]:
    """The frozen document of a credit note: all the mentions of an invoice, plus the number and date
    of the invoice it corrects (ENGINEERING_NOTES "Credit notes"). The VAT treatment is the invoice's.
    """
    frozen_buyer = {**buyer, "vat_regime": invoice["buyer"]["vat_regime"] if "buyer" in invoice else buyer["vat_regime"]}
    return {
        "number": number,
        "document_type": "credit_note",
        "account": invoice["account"],
        "month": invoice.get("month"),
        "corrects": invoice["number"],
        "corrects_issue_date": invoice["issue_date"],
        "issue_date": issue_date.isoformat(),
        "reason": reason,
        "lines": [
            {
                "kind": "credit_note",
                "label": f"Avoir sur la facture {invoice['number']} : {reason}",
                "quantity": "1",
                "unit_price": None,
                "amount": str(split.total_ht),
                "details": {},
            }
        ],
        "total_ht": str(split.total_ht),
        "vat_rate": invoice["vat_rate"],
        "total_vat": str(split.total_vat),
        "total_ttc": str(split.total_ttc),
        "vat_mention": invoice.get("vat_mention"),
        "payment_method": invoice.get("payment_method", frozen_buyer.get("payment_method")),
        "period_start": invoice.get("period_start"),
        "period_end": invoice.get("period_end"),
        "seller": dict(seller),
        "buyer": frozen_buyer,
    }
