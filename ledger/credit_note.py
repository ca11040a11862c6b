"""The credit note (avoir) aggregate: the only way to correct an issued invoice (BILLING_RULES §7).

Numbered in its own gapless series (``InvoiceNumbering`` ``CREDIT_NOTE_SERIES``, ``AV-{year}-…``),
saved in ONE transaction with the numbering and the corrected invoice. Its document never changes.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.document_lifecycle import DocumentLifecycle
from ledger.namespaces import LEDGER_NAMESPACE as _NS


class CreditNote(DocumentLifecycle, Aggregate):
    """An issued credit note; like an invoice, its document is frozen at issue."""

    document_kind = "credit note"

    @staticmethod
    def create_id(number: str) -> UUID:
        return uuid5(_NS, f"credit-note:{number}")

    @event("Issued")
    def __init__(self, number: str, account: str, corrects: str, document: dict[str, Any]) -> None:
        self.number = number
        self.account = account
        self.corrects = corrects
        self.document = document
        self._start_document_lifecycle()

    # -- the document and its mail (ledger/document_lifecycle.py), events named on this aggregate --

    _document_stored = event("DocumentStored")(DocumentLifecycle._document_stored)
    _document_rejected = event("DocumentRejected")(DocumentLifecycle._document_rejected)
    _mailed = event("Mailed")(DocumentLifecycle._mailed)
    _mail_failed = event("MailFailed")(DocumentLifecycle._mail_failed)
    _transmitted = event("TransmittedToPlatform")(DocumentLifecycle._transmitted)
    _transmission_rejected = event("TransmissionRejected")(DocumentLifecycle._transmission_rejected)
