"""The invoice aggregate: issued once, its document frozen; only its status moves on (§7, §8)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.document_lifecycle import DocumentLifecycle
from ledger.errors import Conflict
from ledger.money import Money
from ledger.namespaces import LEDGER_NAMESPACE as _NS


class InvoiceStatus(StrEnum):
    """An issued invoice's status (BILLING_RULES §8, API.md ``status``): ``issued``, held ``disputed``
    by a valid dispute (art. 10.2), ``accepted`` (the window over, or a dispute accepted before its
    credit note), ``credited`` once credit notes took back all of it (§7)."""

    ISSUED = "issued"
    DISPUTED = "disputed"
    ACCEPTED = "accepted"
    CREDITED = "credited"


class Invoice(DocumentLifecycle, Aggregate):
    """An issued invoice. Its document never changes after issue; only its status moves on (§7, §8)."""

    document_kind = "invoice"

    @staticmethod
    def create_id(number: str) -> UUID:
        return uuid5(_NS, f"invoice:{number}")

    @event("Issued")
    def __init__(self, number: str, account: str, month: str, document: dict[str, Any]) -> None:
        self.number = number
        self.account = account
        self.month = month
        self.document = document
        self.status = InvoiceStatus.ISSUED
        self.dispute_case: str | None = None
        self.credited_ht = Money.zero()  # what the credit notes took back so far, positive (§7)
        self.credited_vat = Money.zero()
        self.lifecycle_keys: list[str] = []  # the lifecycle statuses recorded (issue 22), by fact key
        self._start_document_lifecycle()

    # -- status transitions (issue 11; BILLING_RULES §8: issued -> disputed -> accepted | credited) --

    def mark_disputed(self, case: str, on: date) -> None:
        """A valid dispute received in the window (art. 10.2) holds the invoice: issued -> disputed."""
        if self.status == InvoiceStatus.DISPUTED and self.dispute_case == case:
            return
        if self.status != InvoiceStatus.ISSUED:
            raise Conflict(f"invoice {self.number} is {self.status}: it cannot be disputed", field="status")
        self._disputed(case=case, on=on)

    @event("Disputed")
    def _disputed(self, case: str, on: date) -> None:
        self.status = InvoiceStatus.DISPUTED
        self.dispute_case = case

    def clear_dispute(self, case: str, on: date) -> None:
        """A rejected or invalid dispute: disputed -> issued."""
        if self.status != InvoiceStatus.DISPUTED or self.dispute_case != case:
            raise Conflict(f"invoice {self.number} is not disputed by case {case}", field="status")
        self._dispute_cleared(case=case, on=on)

    @event("DisputeCleared")
    def _dispute_cleared(self, case: str, on: date) -> None:
        self.status = InvoiceStatus.ISSUED
        self.dispute_case = None

    def accept(self, on: date) -> None:
        """An accepted dispute not yet settled by a credit note, or the window over: -> accepted."""
        if self.status not in {InvoiceStatus.ISSUED, InvoiceStatus.DISPUTED}:
            raise Conflict(f"invoice {self.number} is {self.status}: it cannot be accepted", field="status")
        self._accepted(on=on)

    @event("Accepted")
    def _accepted(self, on: date) -> None:
        self.status = InvoiceStatus.ACCEPTED

    def record_credit_note(self, credit_note: str, amount_ht: Money, amount_vat: Money, on: date, fully: bool) -> None:
        """A credit note correcting this invoice (§7); the invoice is ``credited`` once nothing is left.

        Amounts are what the credit note takes back, positive.
        """
        if self.status == InvoiceStatus.CREDITED:
            raise Conflict(f"invoice {self.number} is already fully credited", field="number")
        self._credited(credit_note=credit_note, amount_ht=amount_ht, amount_vat=amount_vat, on=on,
                       fully=fully)

    @event("CreditNoteRecorded")
    def _credited(self, credit_note: str, amount_ht: Money, amount_vat: Money, on: date, fully: bool) -> None:
        self.credited_ht = (self.credited_ht + amount_ht).to_cents()
        self.credited_vat = (self.credited_vat + amount_vat).to_cents()
        if fully:
            self.status = InvoiceStatus.CREDITED

    # -- the lifecycle statuses the plateforme agréée reports (issue 22, XP Z12-012) --

    def record_lifecycle_status(
        self,
        fact_key: str,
        status_code: str,
        label: str | None,
        status_at: str,
        reason_codes: list[str],
        reasons: list[str],
        message_id: str,
    ) -> bool:
        """A status of this invoice (CDAR MDT-105 ``status_code``) as the platform reported it, at ``status_at``
        (ISO 8601).

        ``fact_key`` (einvoicing.cdar.InvoiceStatus.fact_key) names the fact: the same status of the same
        moment, received again in any message, records nothing (``False``).
        """
        if fact_key in self.lifecycle_keys:
            return False
        self._lifecycle_status_recorded(
            number=self.number, fact_key=fact_key, status_code=status_code, label=label, status_at=status_at,
            reason_codes=reason_codes, reasons=reasons, message_id=message_id,
        )
        return True

    @event("LifecycleStatusRecorded")
    def _lifecycle_status_recorded(
        self,
        number: str,
        fact_key: str,
        status_code: str,
        label: str | None,
        status_at: str,
        reason_codes: list[str],
        reasons: list[str],
        message_id: str,
    ) -> None:
        self.lifecycle_keys = [*self.lifecycle_keys, fact_key]

    # -- the document and its mail (ledger/document_lifecycle.py), events named on this aggregate --

    _document_stored = event("DocumentStored")(DocumentLifecycle._document_stored)
    _document_rejected = event("DocumentRejected")(DocumentLifecycle._document_rejected)
    _mailed = event("Mailed")(DocumentLifecycle._mailed)
    _mail_failed = event("MailFailed")(DocumentLifecycle._mail_failed)
    _transmitted = event("TransmittedToPlatform")(DocumentLifecycle._transmitted)
    _transmission_rejected = event("TransmissionRejected")(DocumentLifecycle._transmission_rejected)
