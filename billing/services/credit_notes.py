"""Issuing credit notes (API.md ``POST /v1/admin/invoices/{number}/credit-notes``; BILLING_RULES §7).

The numbering (AV series), the credit note and the corrected invoice are saved in ONE
transaction: either the credit note exists with its number and the invoice knows it, or neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import IntegrityError
from sqlalchemy import Engine, select

from billing.documents.identity import load_buyers, seller_from_settings
from billing.persistence import tables as t
from billing.persistence.eventstore import Ledger
from billing.persistence.projections import ReadModelProjector
from billing.services.aggregates import find_aggregate
from billing.services.documents import DocumentService
from billing.settings import Settings
from invoices.credit import CreditRefused, credit_note_document, credit_split
from ledger.clock import Clock, today
from ledger.credit_note import CreditNote
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.input_checks import require_money, require_text
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


class CreditNoteService:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        engine: Engine,
        projector: ReadModelProjector,
        documents: DocumentService,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.engine = engine
        self.projector = projector
        self.documents = documents
        self.clock = clock

    def issue(self, invoice_number: str, body: dict[str, Any]) -> dict[str, Any]:
        amount = require_money(body.get("amount_ht"), "amount_ht", positive=True)
        reason = require_text(body.get("reason"), "reason", max_length=500)
        self.projector.catch_up()
        for _attempt in range(5):
            prepared = self.prepare(invoice_number, amount, reason)
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
        self.projector.catch_up()
        self.documents.request_render()

    def prepare(self, invoice_number: str, amount: Money, reason: str) -> PreparedCreditNote:
        """The numbering, the credit note and the corrected invoice, changed but not saved, so a caller
        can save them together with its own aggregates (an accepted dispute, §8) in one transaction."""
        with self.engine.connect() as conn:
            if conn.execute(select(t.credit_notes.c.number).where(t.credit_notes.c.number == invoice_number)).first():
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
                credited_ht=Decimal(invoice.credited_ht),
                credited_vat=Decimal(invoice.credited_vat),
                vat_rate=Decimal(doc["vat_rate"]),
            )
        except CreditRefused as exc:
            raise InvalidInput(str(exc), field="amount_ht",
                               details={"left_to_credit": f"{Decimal(doc['total_ht']) - Decimal(invoice.credited_ht):.2f}"}
                               ) from None
        issue_date = today(self.clock)
        numbering = find_aggregate(self.ledger, InvoiceNumbering.create_id()) or InvoiceNumbering()
        seq = numbering.allocate(CREDIT_NOTE_SERIES, issue_date, 1)
        number = self.settings.credit_note_number_format.format(year=issue_date.year, seq=seq)
        with self.engine.connect() as conn:
            buyer = load_buyers(conn, [invoice.account]).get(invoice.account)
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
        invoice.record_credit_note(number, f"{-split.total_ht.amount:.2f}", f"{-split.total_vat.amount:.2f}",
                                   issue_date, split.fully_credited)
        return PreparedCreditNote(number, invoice, (numbering, credit_note, invoice))

    def get(self, number: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.credit_notes).where(t.credit_notes.c.number == number)).first()
        if row is None:
            raise NotFound(f"credit note {number!r} not found")
        return credit_note_view(row)

    def for_account(self, account: str, since: Any) -> list[dict[str, Any]]:
        c = t.credit_notes.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.credit_notes).where(c.account == account, c.issue_date >= since).order_by(c.issue_date, c.number)
            ).all()
        return [credit_note_view(row) for row in rows]
