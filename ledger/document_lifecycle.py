"""The document and mail lifecycle an issued invoice and a credit note share (issue 11).

Issue once, keep forever: the PDF stored is recorded with its hash, which never changes; a Factur-X
validation that fails records the rules broken instead; the document is mailed once to the billing
email, and each failed attempt is counted (the job retries).

Why a mixin of plain methods and not an ``Aggregate`` base class with ``@event`` methods: eventsourcing
(9.5) builds the event class of an ``@event`` method on the class that defines it, and that class
is the one triggered, for every subclass. Events defined on a shared base would all be
``DocumentLifecycle.DocumentStored``, for invoices and credit notes alike, while the read models
key on ``Invoice.DocumentStored`` and ``CreditNote.DocumentStored`` (the event's qualname).
So the commands and the mutators are written once here, and each aggregate declares the four
events under its own name, one line each::

    _document_stored = event("DocumentStored")(DocumentLifecycle._document_stored)
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from ledger.errors import Conflict


def _line(text: str, limit: int) -> str:
    """A platform's text on one line (every run of white space one space), cut at ``limit``."""
    return " ".join(text.split())[:limit]


class DocumentStatus(StrEnum):
    """Where an issued document's PDF stands (BILLING_RULES §7: issued once, kept forever; §11: the
    Factur-X it carries): ``pending`` until rendered, ``stored`` with its hash, or ``rejected`` by the
    Factur-X validation (the rules broken are shown to finance)."""

    PENDING = "pending"
    STORED = "stored"
    REJECTED = "rejected"


class DocumentLifecycle:
    """Commands and mutators of a stored, mailed document; the aggregate names the events."""

    document_kind: ClassVar[str]  # "invoice", "credit note": how messages name the owner

    number: str
    document_sha256: str | None
    document_path: str | None
    document_batch: list[str]
    document_failures: list[dict[str, str]] | None
    mailed_to: str | None
    mail_failures: int
    transmitted_flow: str | None  # issue 22: the platform's flowId once transmitted ("" if it gave none)
    transmission_rejected: bool

    def _start_document_lifecycle(self) -> None:
        """Called by the aggregate's ``Issued`` mutator: no document stored, never mailed."""
        self.document_sha256 = None
        self.document_path = None
        self.document_batch = []
        self.document_failures = None
        self.mailed_to = None
        self.mail_failures = 0
        self.transmitted_flow = None
        self.transmission_rejected = False

    # -- the document (issue 11: issue once, keep forever) --

    def record_document(self, sha256: str, path: str, batch: list[str]) -> None:
        """The PDF stored for this document; once recorded its hash never changes."""
        current = self.document_sha256
        if current is not None:
            if current != sha256:
                raise Conflict(f"{self.document_kind} {self.number} already has a stored document with another hash")
            return
        self._document_stored(number=self.number, sha256=sha256, path=path, batch=batch)

    def _document_stored(self, number: str, sha256: str, path: str, batch: list[str]) -> None:
        self.document_sha256 = sha256
        self.document_path = path
        self.document_batch = batch
        self.document_failures = None

    def record_document_rejected(self, failures: list[dict[str, str]]) -> None:
        """The Factur-X validation failed: no document is stored; the rules are shown to finance."""
        if self.document_sha256 is not None:
            return
        self._document_rejected(number=self.number, failures=failures)

    def _document_rejected(self, number: str, failures: list[dict[str, str]]) -> None:
        self.document_failures = failures

    # -- mail (issue 11: mailed once to the billing email, failures recorded, retried by the job) --

    def record_mailed(self, to: str, message_id: str, via: str, on: str) -> None:
        if self.mailed_to is None:
            self._mailed(number=self.number, to=to, message_id=message_id, via=via, on=on)

    def _mailed(self, number: str, to: str, message_id: str, via: str, on: str) -> None:
        self.mailed_to = to

    def record_mail_failed(self, to: str, error: str, on: str) -> None:
        self._mail_failed(number=self.number, to=to, error=error[:500], on=on)

    def _mail_failed(self, number: str, to: str, error: str, on: str) -> None:
        self.mail_failures = self.mail_failures + 1


    # -- transmission to the plateforme agréée (issue 22, item 2: once, by its number as trackingId) --

    @property
    def transmitted(self) -> bool:
        return self.transmitted_flow is not None

    @property
    def transmission_refused(self) -> bool:
        return self.transmission_rejected

    def record_transmitted(self, flow_id: str, tracking_id: str, sha256: str, at: str) -> bool:
        """The platform took the document as a flow (``flow_id``); recorded once (``False`` after)."""
        if self.transmitted:
            return False
        self._transmitted(number=self.number, flow_id=flow_id, tracking_id=tracking_id, sha256=sha256, at=at)
        return True

    def _transmitted(self, number: str, flow_id: str, tracking_id: str, sha256: str, at: str) -> None:
        self.transmitted_flow = flow_id
        self.transmission_rejected = False

    def record_transmission_rejected(
        self, status: int, error_code: str, error_message: str, reasons: list[str], at: str
    ) -> bool:
        """The platform refused the flow (a 4xx): shown to finance; the document must be corrected."""
        if self.transmitted or self.transmission_refused:
            return False
        self._transmission_rejected(number=self.number, status=status, error_code=_line(error_code, 200),
                                    error_message=_line(error_message, 2000),
                                    reasons=[_line(r, 200) for r in reasons], at=at)
        return True

    def _transmission_rejected(
        self, number: str, status: int, error_code: str, error_message: str, reasons: list[str], at: str
    ) -> None:
        self.transmission_rejected = True
