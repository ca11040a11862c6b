"""Commands of the receivables service (API.md "Receivables", BILLING_RULES §8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.errors import InvalidInput
from ledger.identifiers import validate_account_id
from ledger.input_checks import require_date


@dataclass(frozen=True)
class IssueLatePaymentInvoice:
    """Invoice the late-payment interest and indemnities an account has accrued on ``on`` (art. 10.3)."""

    account: str
    on: date

    @classmethod
    def from_request(cls, account: str, payload: Any) -> IssueLatePaymentInvoice:
        """The account id, then the body, checked in the order the API always answered."""
        code = validate_account_id(account)
        if not isinstance(payload, dict):
            raise InvalidInput("the body must be a JSON object")
        return cls(code, require_date(payload.get("on"), "on"))


@dataclass(frozen=True)
class ReceivablesOn:
    """What is due and overdue on a day; ``None`` is today on the service's clock (API.md "Receivables")."""

    on: date | None = None

    @classmethod
    def from_request(cls, on_text: str | None) -> ReceivablesOn:
        """``on`` as YYYY-MM-DD, absent or empty for today; 422 on ``on`` otherwise."""
        return cls(None if on_text in (None, "") else require_date(on_text, "on"))
