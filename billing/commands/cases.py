"""Finance's commands on a customer case (API.md "Disputes", §8, §9, art. 17.1), run by ``CaseService``.

``from_request`` runs the checks the service used to run on its dict, so a bad value is the same 422
naming the same field. The confirmations are checked after the case (404, 409 first, as always): the
route asks the service whether the case can be confirmed before it builds the command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from cases.disputes import TERMINATION_KINDS
from ledger.case import OUTCOMES
from ledger.input_checks import money_str, optional_date, optional_text, require_choice, require_money
from ledger.money import Money


@dataclass(frozen=True)
class ResolveCase:
    """Finance's decision on a case; ``amount_ht`` is the credit note of an accepted dispute."""

    outcome: str
    amount_ht: Money | None
    note: str

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> ResolveCase:
        outcome = require_choice(data.get("outcome"), OUTCOMES, "outcome")
        note = optional_text(data.get("note"), "note") or ""
        raw_amount = data.get("amount_ht")
        # In cents ("800" -> 800.00), the form the resolution and the credit note have always been given.
        amount = None if raw_amount is None else Money.of(money_str(require_money(raw_amount, "amount_ht", positive=True)))
        return cls(outcome, amount, note)


@dataclass(frozen=True)
class ConfirmTermination:
    """A termination email confirmed into the customer's termination (§9)."""

    kind: str
    requested_end: date | None

    @classmethod
    def from_request(cls, data: Mapping[str, Any], asked: str | None) -> ConfirmTermination:
        """``asked``: the kind the email asks for, used when the request names none."""
        kind = require_choice(data.get("kind") or asked, TERMINATION_KINDS, "kind")
        return cls(kind, optional_date(data.get("requested_end"), "requested_end"))


@dataclass(frozen=True)
class AcceptOptionRequest:
    """A reference opt-out request (art. 17.1) accepted; ``accepted_on`` None: today."""

    accepted_on: date | None

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> AcceptOptionRequest:
        return cls(optional_date(data.get("accepted_on"), "accepted_on"))


@dataclass(frozen=True)
class AnswerCase:
    """Finance answered the customer (due by the 7th day after receipt, §8)."""

    note: str
