"""How a credit note's events change the read models: its row at issue, its FEC entry (§12), its
document and mail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

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
from ledger.credit_note import CreditNote


def issued(step: ProjectionStep, e: Any, _position: int) -> None:
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
    post_sale(step, e, e.corrects)


def document_stored(step: ProjectionStep, e: Any, _position: int) -> None:
    upsert_document(step, "credit_note", e, e.sha256, e.path, None)


def document_rejected(step: ProjectionStep, e: Any, _position: int) -> None:
    upsert_document(step, "credit_note", e, None, None, e.failures)


HANDLERS: dict[type, Handler] = {
    CreditNote.Issued: issued,
    CreditNote.DocumentStored: document_stored,
    CreditNote.DocumentRejected: document_rejected,
    CreditNote.Mailed: mailed,
    CreditNote.MailFailed: mail_failed,
    CreditNote.TransmittedToPlatform: transmitted,
    CreditNote.TransmissionRejected: transmission_rejected,
}
