"""The invoice draft: the computed content of one invoice before it gets a number (BILLING_RULES §5, §7).

Frozen values, so a draft computed for a preview is the very thing issued at close, and
``to_dict`` gives API.md's invoice shape (minus number, status, payment_status and pdf, which only an
issued invoice has).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ledger.account_records import PaymentMethod
from ledger.money import Money
from ledger.months import Month

__all__ = [
    "LATE_PAYMENT_KINDS", "LINE_KINDS", "InvoiceDraft", "InvoiceLine", "LineKind", "PenaltyAllocation", "unit_price_text",
]


class LineKind(StrEnum):
    """The only line kinds an invoice may carry (BILLING_RULES §5, items 1 to 8; API.md "Invoices"):
    the options' kinds are their names in the grid (art. 8, 12.3, 17.1); a late-payment invoice has
    its interest and the fixed recovery indemnity (§8, art. 10.3)."""

    PLAN_FEE = "plan_fee"
    BRANDING_REMOVAL = "branding_removal"
    REFERENCE_OPT_OUT = "reference_opt_out"
    ADVANCED_SUPPORT = "advanced_support"
    SUPPORT_EXTRA_HOURS = "support_extra_hours"
    OVERAGE = "overage"
    INSTALLATION_FEE = "installation_fee"
    INTERVENTION = "intervention"
    EARLY_TERMINATION = "early_termination"
    PENALTY_CREDIT = "penalty_credit"
    # a late-payment invoice's lines (§8, art. 10.3), never a month's invoice
    LATE_INTEREST = "late_interest"
    RECOVERY_INDEMNITY = "recovery_indemnity"


LATE_PAYMENT_KINDS = (LineKind.LATE_INTEREST, LineKind.RECOVERY_INDEMNITY)
LINE_KINDS = tuple(kind for kind in LineKind if kind not in LATE_PAYMENT_KINDS)  # a month's invoice (§5)


def unit_price_text(price: Money) -> str:
    """A unit price as the grid has it: two decimals at least, never rounded (§3, §5.4).

    An overage block price may carry up to 6 decimals ("0.125000" stays "0.125"); rounding it for
    display would print a price the customer cannot multiply back to the line amount.
    """
    amount = price.amount
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        return f"{amount.normalize():f}"
    return str(price)


@dataclass(frozen=True)
class InvoiceLine:
    """One line; ``amount`` is already rounded half-up to the cent (§3)."""

    kind: LineKind
    label: str
    quantity: str
    unit_price: Money | None
    amount: Money
    details: dict[str, str | int] = field(default_factory=dict)
    period: Month | None = None  # §7b: the month a catch-up line bills (API.md line `period`)

    def __post_init__(self) -> None:
        if self.kind not in LINE_KINDS:
            raise ValueError(f"unknown invoice line kind {self.kind!r}")
        object.__setattr__(self, "kind", LineKind(self.kind))  # an option's kind comes as its grid name

    def to_dict(self) -> dict[str, Any]:
        """API.md line shape; the line's details sit under ``details``."""
        line: dict[str, Any] = {
            "kind": str(self.kind),  # the stored document holds plain JSON text
            "label": self.label,
            "quantity": self.quantity,
            "unit_price": None if self.unit_price is None else unit_price_text(self.unit_price),
            "amount": str(self.amount),
            "details": dict(self.details),
        }
        if self.period is not None:
            line["period"] = str(self.period)
        return line


@dataclass(frozen=True)
class PenaltyAllocation:
    """How much of one penalty credit this invoice uses (§5.8); the rest carries forward."""

    credit_id: str
    amount: Money


@dataclass(frozen=True)
class InvoiceDraft:
    """A computed invoice for one account and month, not yet numbered (§5, §8)."""

    account: str
    month: Month
    issue_date: date
    due_date: date
    dispute_deadline: date
    lines: tuple[InvoiceLine, ...]
    total_ht: Money
    vat_rate: Decimal
    total_vat: Money
    total_ttc: Money
    vat_mention: str | None
    payment_method: PaymentMethod
    collection_date: date | None
    mandate_reference: str | None
    penalty_allocations: tuple[PenaltyAllocation, ...]
    grid_version: str

    def to_dict(self) -> dict[str, Any]:
        """API.md's invoice JSON without number/status/payment_status/pdf: strings for amounts and dates."""
        return {
            "account": self.account,
            "month": str(self.month),
            "issue_date": self.issue_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "dispute_deadline": self.dispute_deadline.isoformat(),
            "lines": [line.to_dict() for line in self.lines],
            "total_ht": str(self.total_ht),
            "vat_rate": f"{self.vat_rate.quantize(Decimal('0.01')):f}",
            "total_vat": str(self.total_vat),
            "total_ttc": str(self.total_ttc),
            "vat_mention": self.vat_mention,
            "payment_method": str(self.payment_method),
            "collection_date": None if self.collection_date is None else self.collection_date.isoformat(),
            "mandate_reference": self.mandate_reference,
            "penalty_allocations": [
                {"credit_id": a.credit_id, "amount": str(a.amount)} for a in self.penalty_allocations
            ],
            "grid_version": self.grid_version,
        }
