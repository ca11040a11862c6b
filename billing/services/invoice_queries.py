"""Reading invoices from the read model, with the payment status as of the clock's today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine, func, select

from billing.persistence import tables as t
from invoices.payment_status import payment_status
from ledger.clock import Clock, today
from ledger.errors import NotFound


def document_state(row: Any | None) -> dict[str, Any]:
    """Issue 11: whether the invoice's PDF is stored (with its SHA-256) or failed its Factur-X rules."""
    if row is None:
        return {"status": "pending"}
    if row.sha256:
        return {"status": "stored", "sha256": row.sha256, "mail": row.mail_status}
    return {"status": "rejected", "failures": row.failures}


def invoice_view(row: Any, on: date, document_row: Any | None = None) -> dict[str, Any]:
    document = dict(row.document)
    document["number"] = row.number
    document["status"] = row.status
    document["paid"] = f"{Decimal(row.paid):.2f}"
    # What is owed is the TTC net of the credit notes on the invoice (negative amounts, API.md).
    owed = Decimal(row.total_ttc) + Decimal(getattr(row, "credited", None) or 0)
    document["payment_status"] = payment_status(Decimal(row.paid), owed, row.due_date, on)
    document["pdf"] = f"/v1/invoices/{row.number}.pdf"
    document["document"] = document_state(document_row)
    return document


def _credited() -> Any:
    """The sum of the credit notes' TTC on each invoice (negative), as a column ``credited``."""
    return (
        select(func.coalesce(func.sum(t.credit_notes.c.total_ttc), 0))
        .where(t.credit_notes.c.corrects == t.invoices.c.number)
        .scalar_subquery()
        .label("credited")
    )


class _DocumentColumns:
    def __init__(self, sha256: Any, failures: Any, mail_status: Any) -> None:
        self.sha256 = sha256
        self.failures = failures
        self.mail_status = mail_status

    @classmethod
    def of(cls, row: Any) -> _DocumentColumns | None:
        return None if row.doc_kind is None else cls(row.doc_sha256, row.doc_failures, row.doc_mail)


class InvoiceQueries:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def list(self, month: str | None = None, account: str | None = None, *, years: int | None = None) -> list[dict[str, Any]]:
        d = t.documents.c
        query = (
            select(t.invoices, _credited(), d.sha256.label("doc_sha256"), d.failures.label("doc_failures"),
                   d.kind.label("doc_kind"), d.mail_status.label("doc_mail"))
            .outerjoin(t.documents, d.number == t.invoices.c.number)
            .order_by(t.invoices.c.issue_date, t.invoices.c.number)
        )
        if month:
            query = query.where(t.invoices.c.month == month)
        if account:
            query = query.where(t.invoices.c.account == account)
        on = today(self.clock)
        if years is not None:  # art. 10.2: invoices stay downloadable for five years
            query = query.where(t.invoices.c.issue_date >= on - relativedelta(years=years))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [invoice_view(row, on, _DocumentColumns.of(row)) for row in rows]

    def get(self, number: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.invoices, _credited()).where(t.invoices.c.number == number)).first()
            doc = conn.execute(select(t.documents).where(t.documents.c.number == number)).first()
        if row is None:
            raise NotFound(f"invoice {number!r} not found")
        return invoice_view(row, today(self.clock), doc)
