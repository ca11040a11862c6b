"""Commands of the credit-note service (API.md ``POST /v1/admin/invoices/{number}/credit-notes``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.input_checks import require_money, require_text
from ledger.money import Money


@dataclass(frozen=True)
class IssueCreditNote:
    """Credit ``amount_ht`` (HT, VAT split by the invoice's rate) on an invoice, for a stated reason."""

    invoice: str
    amount_ht: Money
    reason: str

    @classmethod
    def from_request(cls, invoice: str, body: dict[str, Any]) -> IssueCreditNote:
        """The request body checked as the API always did: 422 on ``amount_ht`` first, then ``reason``."""
        amount = require_money(body.get("amount_ht"), "amount_ht", positive=True)
        reason = require_text(body.get("reason"), "reason", max_length=500)
        return cls(invoice, amount, reason)
