"""Read models of issue 11: stored documents (hash, path, validation failures), credit notes, and
the invoice status transitions. Registered from ``handlers.register_handlers``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update

from billing.persistence import tables as t
from billing.persistence.projections import ProjectionStep, ReadModelProjector
from ledger.invoice import InvoiceStatus


def register_document_handlers(projector: ReadModelProjector) -> None:
    on = projector.on

    def owner(step: ProjectionStep, number: str, kind: str) -> tuple[str, date]:
        step.flush()
        table = t.credit_notes if kind == "credit_note" else t.invoices
        row = step.conn.execute(select(table.c.account, table.c.issue_date).where(table.c.number == number)).one()
        return str(row.account), row.issue_date

    def upsert(step: ProjectionStep, kind: str, e: Any, sha256: str | None, path: str | None, failures: Any) -> None:
        account, issue_date = owner(step, e.number, kind)
        step.conn.execute(delete(t.documents).where(t.documents.c.number == e.number))
        step.conn.execute(
            insert(t.documents).values(
                number=e.number, kind=kind, account=account, issue_date=issue_date,
                sha256=sha256, path=path, failures=failures,
            )
        )

    @on("Invoice.DocumentStored")
    def invoice_document(step: ProjectionStep, e: Any, _position: int) -> None:
        upsert(step, "invoice", e, e.sha256, e.path, None)

    @on("Invoice.DocumentRejected")
    def invoice_rejected(step: ProjectionStep, e: Any, _position: int) -> None:
        upsert(step, "invoice", e, None, None, e.failures)

    @on("CreditNote.DocumentStored")
    def credit_note_document(step: ProjectionStep, e: Any, _position: int) -> None:
        upsert(step, "credit_note", e, e.sha256, e.path, None)

    @on("CreditNote.DocumentRejected")
    def credit_note_rejected(step: ProjectionStep, e: Any, _position: int) -> None:
        upsert(step, "credit_note", e, None, None, e.failures)

    @on("CreditNote.Issued")
    def credit_note_issued(step: ProjectionStep, e: Any, _position: int) -> None:
        doc = e.document
        step.conn.execute(
            insert(t.credit_notes).values(
                number=e.number,
                account=e.account,
                corrects=e.corrects,
                issue_date=date.fromisoformat(doc["issue_date"]),
                reason=doc.get("reason"),
                vat_rate=Decimal(doc["vat_rate"]),
                total_ht=Decimal(doc["total_ht"]),
                total_vat=Decimal(doc["total_vat"]),
                total_ttc=Decimal(doc["total_ttc"]),
                document=doc,
            )
        )

    @on("Invoice.LifecycleStatusRecorded")
    def invoice_lifecycle(step: ProjectionStep, e: Any, position: int) -> None:
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

    def mail(step: ProjectionStep, e: Any, status: str, detail: str) -> None:
        step.flush()
        step.conn.execute(
            update(t.documents).where(t.documents.c.number == e.number).values(mail_status=status, mail_detail=detail)
        )

    @on("Invoice.Mailed")
    def invoice_mailed(step: ProjectionStep, e: Any, _position: int) -> None:
        mail(step, e, "sent", f"{e.to} via {e.via} ({e.message_id})")

    @on("CreditNote.Mailed")
    def credit_note_mailed(step: ProjectionStep, e: Any, _position: int) -> None:
        mail(step, e, "sent", f"{e.to} via {e.via} ({e.message_id})")

    @on("Invoice.MailFailed")
    def invoice_mail_failed(step: ProjectionStep, e: Any, _position: int) -> None:
        mail(step, e, "failed", f"{e.to}: {e.error}")

    @on("CreditNote.MailFailed")
    def credit_note_mail_failed(step: ProjectionStep, e: Any, _position: int) -> None:
        mail(step, e, "failed", f"{e.to}: {e.error}")

    def set_status(step: ProjectionStep, e: Any, status: str) -> None:
        step.flush()
        number = step.invoice_number(e.originator_id)
        step.conn.execute(update(t.invoices).where(t.invoices.c.number == number).values(status=status))

    @on("Invoice.Disputed")
    def disputed(step: ProjectionStep, e: Any, _position: int) -> None:
        set_status(step, e, InvoiceStatus.DISPUTED)

    @on("Invoice.DisputeCleared")
    def dispute_cleared(step: ProjectionStep, e: Any, _position: int) -> None:
        set_status(step, e, InvoiceStatus.ISSUED)

    @on("Invoice.Accepted")
    def accepted(step: ProjectionStep, e: Any, _position: int) -> None:
        set_status(step, e, InvoiceStatus.ACCEPTED)

    @on("Invoice.CreditNoteRecorded")
    def credited(step: ProjectionStep, e: Any, _position: int) -> None:
        if e.fully:
            set_status(step, e, InvoiceStatus.CREDITED)
