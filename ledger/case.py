"""A customer case: one received message, from receipt to resolution (BILLING_RULES §8, §9).

Every message sent to compta@flexio.fr becomes one Case, keyed by its Message-ID (uuid5), so the
same message uploaded twice, or seen by two pollers, is the same case. Disputes and terminations
are ``open`` until finance closes them; anything else is ``filed`` as an ``other`` record: nothing
is dropped. What the message says (kind, invoice, amount, validity, deadlines) is assessed once, at
receipt, and recorded in the ``Received`` event: replay never re-runs a rule tightened later.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict, InvalidInput
from ledger.namespaces import LEDGER_NAMESPACE as _NS

KINDS = ("dispute", "termination", "other")
WAITING_KINDS = ("dispute", "termination")  # the kinds finance must answer (art. 10.4, 9.3)
OUTCOMES = ("rejected", "accepted")


def is_open_at_receipt(assessment: dict[str, Any]) -> bool:
    """Disputes, terminations and option requests (art. 17.1) wait for finance; the rest is filed."""
    return assessment["kind"] in WAITING_KINDS or bool(assessment.get("request"))


class Case(Aggregate):
    """States: ``open`` -> ``acknowledged`` -> ``answered`` -> ``resolved`` (disputes, terminations);
    ``filed`` for other messages."""

    @staticmethod
    def create_id(message_id: str) -> UUID:
        return uuid5(_NS, f"case:{message_id}")

    @event("Received")
    def __init__(self, message_id: str, received_at: str, assessment: dict[str, Any], mail: dict[str, Any]) -> None:
        self.message_id = message_id
        self.received_at = received_at
        self.assessment = assessment
        self.mail = mail
        self.status = "open" if is_open_at_receipt(assessment) else "filed"
        self.acknowledged_at: str | None = None
        self.acknowledgment: dict[str, Any] | None = None
        self.answered_on: str | None = None
        self.answer_note: str | None = None
        self.resolution: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return str(self.assessment["kind"])

    @property
    def valid(self) -> bool:
        return bool(self.assessment["valid"])

    @property
    def invoice(self) -> str | None:
        value = self.assessment.get("invoice")
        return None if value is None else str(value)

    def received_on(self) -> date:
        return date.fromisoformat(self.assessment["received_on"])

    def _require_open(self) -> None:
        if self.status == "filed":
            raise Conflict("this message is filed as 'other': there is nothing to acknowledge or resolve")
        if self.status == "resolved":
            raise Conflict("this case is already resolved")

    def acknowledge(self, at: datetime, sent_to: str, reference: str) -> None:
        """The acknowledgment mail went out (§8: by the next business day after receipt)."""
        self._require_open()
        if self.acknowledged_at is not None:
            return
        self._acknowledged(at=at.isoformat(), sent_to=sent_to, reference=reference)

    @event("Acknowledged")
    def _acknowledged(self, at: str, sent_to: str, reference: str) -> None:
        self.acknowledged_at = at
        self.acknowledgment = {"sent_to": sent_to, "reference": reference}
        if self.status == "open":
            self.status = "acknowledged"

    def answer(self, on: date, note: str) -> None:
        """Finance answered the customer (§8: by the 7th day after receipt)."""
        self._require_open()
        self._answered(on=on.isoformat(), note=note)

    @event("Answered")
    def _answered(self, on: str, note: str) -> None:
        self.answered_on = on
        self.answer_note = note
        self.status = "answered"

    def resolve(self, outcome: str, on: date, amount_ht: str | None, note: str) -> None:
        """Close the case: ``rejected``, or ``accepted`` with the amount HT a credit note must carry (§8)."""
        self._require_open()
        if outcome not in OUTCOMES:
            raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
        if outcome == "accepted" and self.kind == "dispute" and amount_ht is None:
            raise InvalidInput("an accepted dispute needs the amount_ht of its credit note", field="amount_ht")
        if outcome == "rejected" and amount_ht is not None:
            raise InvalidInput("a rejected case has no amount", field="amount_ht")
        self._resolved(outcome=outcome, on=on.isoformat(), amount_ht=amount_ht, note=note)

    @event("Resolved")
    def _resolved(self, outcome: str, on: str, amount_ht: str | None, note: str) -> None:
        self.resolution = {"outcome": outcome, "on": on, "amount_ht": amount_ht, "note": note}
        self.status = "resolved"
