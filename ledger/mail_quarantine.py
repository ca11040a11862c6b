"""A message to compta@flexio.fr that could not be recorded as a case, kept aside for finance.

The IMAP poller moves such a message to the ``Quarantine`` folder (never deleted, never
half-recorded: its case is not saved) and records why here, so finance can list it
(``GET /v1/admin/disputes/quarantine``) and look at the message in the mailbox. The reason is
usually the event guard's refusal (ledger/event_guard.py: a NUL in the subject, a control character
in the sender) or a parse error. Every text is made safe first (``event_guard.safe_text``): a
quarantine record is written *because* its message holds text the read models cannot.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.event_guard import safe_text
from ledger.namespaces import LEDGER_NAMESPACE as _NS

SUBJECT_SHOWN = 500  # characters of the subject (or sender, message id) finance sees
REASON_SHOWN = 1000


class QuarantinedMail(Aggregate):
    """One message set aside, keyed by the SHA-256 of its bytes: seen again, it is the same record."""

    @staticmethod
    def create_id(sha256: str) -> UUID:
        return uuid5(_NS, f"quarantined-mail:{sha256}")

    @classmethod
    def of(cls, sha256: str, size: int, message_id: str | None, sender: str | None, subject: str | None,
           received_at: datetime, reason: str, field: str | None) -> QuarantinedMail:
        """The record with every text made safe and bounded (the message's own may be hostile)."""
        return cls(
            sha256=sha256,
            size=size,
            message_id=safe_text(message_id or "", SUBJECT_SHOWN),
            sender=safe_text(sender or "", SUBJECT_SHOWN),
            subject=safe_text(subject or "", SUBJECT_SHOWN),
            received_at=received_at,
            reason=safe_text(reason, REASON_SHOWN),
            field=None if field is None else safe_text(field, 200),
        )

    @event("Quarantined")
    def __init__(self, sha256: str, size: int, message_id: str, sender: str, subject: str, received_at: datetime,
                 reason: str, field: str | None) -> None:
        self.sha256 = sha256
        self.size = size
        self.message_id = message_id
        self.sender = sender
        self.subject = subject
        self.received_at = received_at
        self.reason = reason
        self.field = field
