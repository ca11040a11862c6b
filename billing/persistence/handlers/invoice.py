"""How an invoice's events change the read models: its row, lines and penalty allocations at issue
(buffered, one statement per table), its FEC entry (§12), its document, mail and status, and the
lifecycle statuses the plateforme agréée reports (issue 22)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, update

from billing.persistence import tables as t
from billing.persistence.handlers.document_lifecycle import (
    mail_failed,
    mailed,
    transmission_rejected,
    transmitted,
    upsert_document,
)
from billing.persistence.handlers.fec import post_sale
from billing.persistence.projections import Handler, ProjectionStep
from ledger.invoice import Invoice, InvoiceStatus


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def issued(step: ProjectionStep, e: Any, _position: int) -> None:
    doc = e.document
    step.invoice_rows.append(
        {
            "number": e.number,
            "aggregate_id": e.originator_id.hex,
            "account": e.account,
            "month": e.month,
            "issue_date": _day(doc["issue_date"]),
            "due_date": _day(doc["due_date"]),
            "total_ht": Decimal(doc["total_ht"]),
            "total_vat": Decimal(doc["total_vat"]),
            "total_ttc": Decimal(doc["total_ttc"]),
            "status": InvoiceStatus.ISSUED,
            "paid": Decimal(0),
            "document": doc,
        }
    )
    for seq, line in enumerate(doc["lines"]):
        step.line_rows.append(
            {
                "number": e.number,
                "seq": seq,
                "kind": line["kind"],
                "label": line["label"],
                "quantity": line.get("quantity"),
                "unit_price": None if line.get("unit_price") is None else Decimal(line["unit_price"]),
                "amount": Decimal(line["amount"]),
            }
        )
    for allocation in doc.get("penalty_allocations", []):
        step.allocation_rows.append(
            {
                "number": e.number,
                "credit_id": allocation["credit_id"],
                "account": e.account,
                "amount": Decimal(allocation["amount"]),
            }
        )
    post_sale(step, e, None)


def document_stored(step: ProjectionStep, e: Any, _position: int) -> None:
    upsert_document(step, "invoice", e, e.sha256, e.path, None)


def document_rejected(step: ProjectionStep, e: Any, _position: int) -> None:
    upsert_document(step, "invoice", e, None, None, e.failures)


def _set_status(step: ProjectionStep, e: Any, status: str) -> None:
    step.flush()
    number = step.invoice_number(e.originator_id)
    step.conn.execute(update(t.invoices).where(t.invoices.c.number == number).values(status=status))


def disputed(step: ProjectionStep, e: Any, _position: int) -> None:
    _set_status(step, e, InvoiceStatus.DISPUTED)


def dispute_cleared(step: ProjectionStep, e: Any, _position: int) -> None:
    _set_status(step, e, InvoiceStatus.ISSUED)


def accepted(step: ProjectionStep, e: Any, _position: int) -> None:
    _set_status(step, e, InvoiceStatus.ACCEPTED)


def credit_note_recorded(step: ProjectionStep, e: Any, _position: int) -> None:
    if e.fully:
        _set_status(step, e, InvoiceStatus.CREDITED)


def lifecycle_status_recorded(step: ProjectionStep, e: Any, position: int) -> None:
    """Issue 22: one row a status the plateforme agréée reported, in the order they were received."""
    # One reason per detail of the status (MDG-37), its code and text side by side ("" when absent).
    codes, texts = list(e.reason_codes), list(e.reasons)
    size = max(len(codes), len(texts))
    codes += [""] * (size - len(codes))
    texts += [""] * (size - len(texts))
    reasons = [{"code": code or None, "text": text or None} for code, text in zip(codes, texts, strict=True)]
    step.conn.execute(
        insert(t.invoice_lifecycle).values(
            number=e.number, position=position, fact_key=e.fact_key, code=e.status_code, label=e.label,
            status_at=e.status_at, reason=reasons or None, message_id=e.message_id,
        )
    )


HANDLERS: dict[type, Handler] = {
    Invoice.Issued: issued,
    Invoice.DocumentStored: document_stored,
    Invoice.DocumentRejected: document_rejected,
    Invoice.Mailed: mailed,
    Invoice.MailFailed: mail_failed,
    Invoice.TransmittedToPlatform: transmitted,
    Invoice.TransmissionRejected: transmission_rejected,
    Invoice.Disputed: disputed,
    Invoice.DisputeCleared: dispute_cleared,
    Invoice.Accepted: accepted,
    Invoice.CreditNoteRecorded: credit_note_recorded,
    Invoice.LifecycleStatusRecorded: lifecycle_status_recorded,
}
