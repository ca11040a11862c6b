"""Issuing credit notes (API.md ``POST /v1/admin/invoices/{number}/credit-notes``; BILLING_RULES §7).

The numbering (AV series), the credit note and the corrected invoice are saved in ONE
transaction: either the credit note exists with its number and the invoice knows it, or neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from billing.commands.credit_notes import IssueCreditNote
from billing.documents.identity import seller_from_settings
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate
from billing.services.documents import DocumentService
from billing.services.ports import ReadModels
from billing.settings import Settings
from invoices.credit import CreditRefused, credit_note_document, credit_split
from invoices.document import Buyer
from ledger.clock import Clock, today
from ledger.credit_note import CreditNote
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.invoice import Invoice
from ledger.money import Money
from ledger.numbering import CREDIT_NOTE_SERIES, InvoiceNumbering


def credit_note_view(row: Any) -> dict[str, Any]:
    doc = dict(row.document)
    return {
        "number": row.number,
        "corrects": row.corrects,
        "account": row.account,
        "issue_date": row.issue_date.isoformat(),
        "reason": row.reason,
        "lines": doc.get("lines", []),
        "vat_rate": f"{Decimal(row.vat_rate):.2f}",
        "total_ht": f"{Decimal(row.total_ht):.2f}",
        "total_vat": f"{Decimal(row.total_vat):.2f}",
        "total_ttc": f"{Decimal(row.total_ttc):.2f}",
        "pdf": f"/v1/invoices/{row.number}.pdf",
    }


@dataclass(frozen=True)
class PreparedCreditNote:
    """A credit note ready to be saved: its number, the invoice it corrects, every aggregate to save."""

    number: str
    invoice: Invoice
    aggregates: tuple[Any, ...]


class CreditNoteQueries(Protocol):
    """The read-model queries of credit notes (``billing/persistence/queries/credit_notes.py``).

    A row has the ``credit_notes`` columns (what :func:`credit_note_view` reads).
    """

    def is_credit_note(self, number: str) -> bool: ...

    def buyer(self, account: str) -> Buyer | None:
        """The account's identity now, frozen into the credit note at issue (issue 11)."""

    def credit_note(self, number: str) -> Any | None: ...

    def of_account(self, account: str, since: date) -> list[Any]:
        """The account's credit notes issued on or after ``since``, in issue order."""


class CreditNoteService:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        queries: CreditNoteQueries,
        read_models: ReadModels,
        documents: DocumentService,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.documents = documents
        self.clock = clock

    def issue(self, command: IssueCreditNote) -> dict[str, Any]:
        """Number and save the credit note with its invoice; retried when a number was taken meanwhile."""
        self.read_models.sync()
        for _attempt in range(5):
            prepared = self.prepare(command.invoice, command.amount_ht, command.reason)
            try:
                self.ledger.save(*prepared.aggregates)
            except IntegrityError:
                continue  # another credit note or close took a number first: reload and retry
            break
        else:
            raise Conflict("the credit note could not be numbered: too many concurrent writers, retry")
        self.after_issue()
        return self.get(prepared.number)

    def after_issue(self) -> None:
        """Once a credit note is saved: project it and have its document rendered."""
        self.read_models.refresh()
        self.documents.request_render()

    def prepare(self, invoice_number: str, amount: Money, reason: str) -> PreparedCreditNote:
        """The numbering, the credit note and the corrected invoice, changed but not saved, so a caller
        can save them together with its own aggregates (an accepted dispute, §8) in one transaction."""
        if self.queries.is_credit_note(invoice_number):
            raise InvalidInput(f"{invoice_number} is a credit note: only an invoice can be credited", field="number")
        invoice: Invoice | None = find_aggregate(self.ledger, Invoice.create_id(invoice_number))
        if invoice is None:
            raise NotFound(f"invoice {invoice_number!r} not found")
        doc = invoice.document
        try:
            split = credit_split(
                amount.amount,
                invoice_ht=Decimal(doc["total_ht"]),
                invoice_vat=Decimal(doc["total_vat"]),
                credited_ht=invoice.credited_ht.amount,
                credited_vat=invoice.credited_vat.amount,
                vat_rate=Decimal(doc["vat_rate"]),
            )
        except CreditRefused as exc:
            raise InvalidInput(str(exc), field="amount_ht",
                               details={"left_to_credit": f"{Decimal(doc['total_ht']) - invoice.credited_ht.amount:.2f}"}
                               ) from None
        issue_date = today(self.clock)
        numbering = find_aggregate(self.ledger, InvoiceNumbering.create_id()) or InvoiceNumbering()
        seq = numbering.allocate(CREDIT_NOTE_SERIES, issue_date, 1)
        number = self.settings.credit_note_number_format.format(year=issue_date.year, seq=seq)
        buyer = self.queries.buyer(invoice.account)
        document = credit_note_document(
            number,
            {"number": invoice.number, **doc},
            split,
            reason,
            issue_date,
            seller_from_settings(self.settings).to_dict(),
            buyer.to_dict() if buyer is not None else dict(doc["buyer"]),
        )
        credit_note = CreditNote(number=number, account=invoice.account, corrects=invoice.number, document=document)
        # The invoice keeps what was taken back, positive, to the cent (the credit note's amounts are negative).
        invoice.record_credit_note(number, (-split.total_ht).to_cents(), (-split.total_vat).to_cents(),
                                   issue_date, split.fully_credited)
        return PreparedCreditNote(number, invoice, (numbering, credit_note, invoice))

    def get(self, number: str) -> dict[str, Any]:
        row = self.queries.credit_note(number)
        if row is None:
            raise NotFound(f"credit note {number!r} not found")
        return credit_note_view(row)

    def for_account(self, account: str, since: date) -> list[dict[str, Any]]:
        return [credit_note_view(row) for row in self.queries.of_account(account, since)]
