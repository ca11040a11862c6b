"""A customer case: one received message, from receipt to resolution (BILLING_RULES §8, §9).

Every message sent to compta@flexio.fr becomes one Case, keyed by its Message-ID (uuid5), so the
same message uploaded twice, or seen by two pollers, is the same case. Disputes and terminations
are ``open`` until finance closes them; anything else is ``filed`` as an ``other`` record: nothing
is dropped. What the message says (kind, invoice, amount, validity, deadlines) is assessed once, at
receipt, and recorded in the ``Received`` event: replay never re-runs a rule tightened later.
The state is typed records (dates, instants, Decimal, Money); ledger/transcodings.py stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict, InvalidInput
from ledger.money import Money
from ledger.namespaces import LEDGER_NAMESPACE as _NS


class CaseKind(StrEnum):
    """What a message to compta@flexio.fr asks (BILLING_RULES §8, §9): a ``dispute`` of an invoice
    (art. 10.2), a ``termination`` notice (art. 9.3, 14), or ``other`` (filed, never dropped)."""

    DISPUTE = "dispute"
    TERMINATION = "termination"
    OTHER = "other"


class CaseStatus(StrEnum):
    """Where a case stands (BILLING_RULES §8: acknowledged by the next business day, answered by the
    7th day): ``open`` -> ``acknowledged`` -> ``answered`` -> ``resolved``; ``filed`` for other messages."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    FILED = "filed"


KINDS = tuple(CaseKind)
WAITING_KINDS = (CaseKind.DISPUTE, CaseKind.TERMINATION)  # the kinds finance must answer (art. 10.4, 9.3)
OUTCOMES = ("rejected", "accepted")


@dataclass(frozen=True, slots=True)
class CaseAssessment:
    """What the message asks and whether it holds, assessed once at receipt (§8, art. 10.2, 9.3, 17.1).

    Kept as recorded: replay never re-runs a rule tightened later."""

    kind: CaseKind
    invoice: str | None
    amount: Decimal | None  # the disputed amount, to the cent
    valid: bool
    reasons: tuple[str, ...]  # why a dispute is not valid, in the order checked
    flags: tuple[str, ...]  # unknown_sender, auto_reply, bounce, bulk, forwarded
    acknowledge_by: date  # §8: the next business day after receipt
    answer_by: date  # §8: the 7th day after receipt
    received_on: date  # the day of receipt in Paris
    termination_kind: str | None  # §9, as the email asks
    request: str | None  # "reference_opt_out" (art. 17.1)
    language: str  # "fr" | "en": the acknowledgment's language
    account: str | None  # the customer the sender matches
    sender: str  # "" when the message has no From address
    subject: str
    reply_to: str | None  # the case this message answers, if any

    def __post_init__(self) -> None:
        # Stored as its text (ledger/transcodings.py): read back, the kind is the enum again.
        object.__setattr__(self, "kind", CaseKind(self.kind))


@dataclass(frozen=True, slots=True)
class MailAttachment:
    """An attachment as received; its bytes stay in the stored raw message."""

    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class CaseMail:
    """What finance reads of the message; the raw bytes are kept by their SHA-256."""

    sha256: str
    size: int
    sender: str
    sender_name: str
    subject: str
    date: datetime | None  # the Date header, when the message has a readable one
    text: str
    attachments: tuple[MailAttachment, ...]


@dataclass(frozen=True, slots=True)
class CaseAcknowledgment:
    """The acknowledgment mail that went out (§8)."""

    at: datetime
    sent_to: str
    reference: str


@dataclass(frozen=True, slots=True)
class CaseResolution:
    """Finance's decision (§8): ``amount_ht`` is the credit note of an accepted dispute."""

    outcome: str  # one of OUTCOMES
    on: date
    amount_ht: Money | None
    note: str


def is_open_at_receipt(assessment: CaseAssessment) -> bool:
    """Disputes, terminations and option requests (art. 17.1) wait for finance; the rest is filed."""
    return assessment.kind in WAITING_KINDS or bool(assessment.request)


class Case(Aggregate):
    """States: ``open`` -> ``acknowledged`` -> ``answered`` -> ``resolved`` (disputes, terminations);
    ``filed`` for other messages."""

    @staticmethod
    def create_id(message_id: str) -> UUID:
        return uuid5(_NS, f"case:{message_id}")

    @event("Received")
    def __init__(self, message_id: str, received_at: datetime, assessment: CaseAssessment, mail: CaseMail) -> None:
        self.message_id = message_id
        self.received_at = received_at
        self.assessment = assessment
        self.mail = mail
        self.status = CaseStatus.OPEN if is_open_at_receipt(assessment) else CaseStatus.FILED
        self.acknowledgment: CaseAcknowledgment | None = None
        self.answered_on: date | None = None
        self.answer_note: str | None = None
        self.resolution: CaseResolution | None = None

    @property
    def kind(self) -> str:
        return self.assessment.kind

    @property
    def valid(self) -> bool:
        return self.assessment.valid

    @property
    def invoice(self) -> str | None:
        return self.assessment.invoice

    @property
    def received_on(self) -> date:
        return self.assessment.received_on

    @property
    def acknowledged_at(self) -> datetime | None:
        return None if self.acknowledgment is None else self.acknowledgment.at

    def _require_open(self) -> None:
        if self.status == CaseStatus.FILED:
            raise Conflict("this message is filed as 'other': there is nothing to acknowledge or resolve")
        if self.status == CaseStatus.RESOLVED:
            raise Conflict("this case is already resolved")

    def acknowledge(self, at: datetime, sent_to: str, reference: str) -> None:
        """The acknowledgment mail went out (§8: by the next business day after receipt)."""
        self._require_open()
        if self.acknowledgment is not None:
            return
        self._acknowledged(at=at, sent_to=sent_to, reference=reference)

    @event("Acknowledged")
    def _acknowledged(self, at: datetime, sent_to: str, reference: str) -> None:
        self.acknowledgment = CaseAcknowledgment(at=at, sent_to=sent_to, reference=reference)
        if self.status == CaseStatus.OPEN:
            self.status = CaseStatus.ACKNOWLEDGED

    def answer(self, on: date, note: str) -> None:
        """Finance answered the customer (§8: by the 7th day after receipt)."""
        self._require_open()
        self._answered(on=on, note=note)

    @event("Answered")
    def _answered(self, on: date, note: str) -> None:
        self.answered_on = on
        self.answer_note = note
        self.status = CaseStatus.ANSWERED

    def resolve(self, outcome: str, on: date, amount_ht: Money | None, note: str) -> None:
        """Close the case: ``rejected``, or ``accepted`` with the amount HT a credit note must carry (§8)."""
        self._require_open()
        if outcome not in OUTCOMES:
            raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
        if outcome == "accepted" and self.kind == CaseKind.DISPUTE and amount_ht is None:
            raise InvalidInput("an accepted dispute needs the amount_ht of its credit note", field="amount_ht")
        if outcome == "rejected" and amount_ht is not None:
            raise InvalidInput("a rejected case has no amount", field="amount_ht")
        self._resolved(outcome=outcome, on=on, amount_ht=amount_ht, note=note)

    @event("Resolved")
    def _resolved(self, outcome: str, on: date, amount_ht: Money | None, note: str) -> None:
        self.resolution = CaseResolution(outcome=outcome, on=on, amount_ht=amount_ht, note=note)
        self.status = CaseStatus.RESOLVED
