"""The credit note (avoir) aggregate: the only way to correct an issued invoice (BILLING_RULES §7).

Numbered in its own gapless series (``InvoiceNumbering`` ``CREDIT_NOTE_SERIES``, ``AV-{year}-…``),
saved in ONE transaction with the numbering and the corrected invoice. Its document never changes.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict
from ledger.namespaces import LEDGER_NAMESPACE as _NS


class CreditNote(Aggregate):
    """An issued credit note; like an invoice, its document is frozen at issue."""

    @staticmethod
    def create_id(number: str) -> UUID:
        return uuid5(_NS, f"credit-note:{number}")

    @event("Issued")
    def __init__(self, number: str, account: str, corrects: str, document: dict[str, Any]) -> None:
        self.number = number
        self.account = account
        self.corrects = corrects
        self.document = document
        self.document_sha256: str | None = None
        self.document_path: str | None = None
        self.document_batch: list[str] = []
        self.document_failures: list[dict[str, str]] | None = None
        self.mailed_to: str | None = None
        self.mail_failures = 0

    def record_document(self, sha256: str, path: str, batch: list[str]) -> None:
        if self.document_sha256 is not None:
            if self.document_sha256 != sha256:
                raise Conflict(f"credit note {self.number} already has a stored document with another hash")
            return
        self._document_stored(number=self.number, sha256=sha256, path=path, batch=batch)

    @event("DocumentStored")
    def _document_stored(self, number: str, sha256: str, path: str, batch: list[str]) -> None:
        self.document_sha256 = sha256
        self.document_path = path
        self.document_batch = batch
        self.document_failures = None

    def record_document_rejected(self, failures: list[dict[str, str]]) -> None:
        if self.document_sha256 is None:
            self._document_rejected(number=self.number, failures=failures)

    @event("DocumentRejected")
    def _document_rejected(self, number: str, failures: list[dict[str, str]]) -> None:
        self.document_failures = failures

    # -- mail (issue 11: mailed once to the billing email, failures recorded, retried by the job) --

    def record_mailed(self, to: str, message_id: str, via: str, on: str) -> None:
        if self.mailed_to is None:
            self._mailed(number=self.number, to=to, message_id=message_id, via=via, on=on)

    @event("Mailed")
    def _mailed(self, number: str, to: str, message_id: str, via: str, on: str) -> None:
        self.mailed_to = to

    def record_mail_failed(self, to: str, error: str, on: str) -> None:
        self._mail_failed(number=self.number, to=to, error=error[:500], on=on)

    @event("MailFailed")
    def _mail_failed(self, number: str, to: str, error: str, on: str) -> None:
        self.mail_failures = self.mail_failures + 1
