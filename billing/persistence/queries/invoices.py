"""The read-model queries of issued invoices, with what their credit notes took off and their document."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from billing.persistence import tables as t


def _credited() -> Any:
    """The sum of the credit notes' TTC on each invoice (negative), as a column ``credited``."""
    return (
        select(func.coalesce(func.sum(t.credit_notes.c.total_ttc), 0))
        .where(t.credit_notes.c.corrects == t.invoices.c.number)
        .scalar_subquery()
        .label("credited")
    )


class _DocumentColumns:
    def __init__(self, row: Any) -> None:
        self.sha256 = row.doc_sha256
        self.failures = row.doc_failures
        self.mail_status = row.doc_mail
        self.pa_status = row.doc_pa_status
        self.pa_flow_id = row.doc_pa_flow_id
        self.pa_at = row.doc_pa_at
        self.pa_error = row.doc_pa_error

    @classmethod
    def of(cls, row: Any) -> _DocumentColumns | None:
        return None if row.doc_kind is None else cls(row)


class SqlInvoiceReads:
    """:class:`billing.services.invoice_queries.InvoiceReads` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def invoices(
        self, month: str | None, account: str | None, issued_since: date | None
    ) -> list[tuple[Any, Any | None]]:
        d = t.documents.c
        query = (
            select(t.invoices, _credited(), d.sha256.label("doc_sha256"), d.failures.label("doc_failures"),
                   d.kind.label("doc_kind"), d.mail_status.label("doc_mail"), d.pa_status.label("doc_pa_status"),
                   d.pa_flow_id.label("doc_pa_flow_id"), d.pa_at.label("doc_pa_at"), d.pa_error.label("doc_pa_error"))
            .outerjoin(t.documents, d.number == t.invoices.c.number)
            .order_by(t.invoices.c.issue_date, t.invoices.c.number)
        )
        if month:
            query = query.where(t.invoices.c.month == month)
        if account:
            query = query.where(t.invoices.c.account == account)
        if issued_since is not None:
            query = query.where(t.invoices.c.issue_date >= issued_since)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(row, _DocumentColumns.of(row)) for row in rows]

    def invoice(self, number: str) -> tuple[Any, Any | None] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.invoices, _credited()).where(t.invoices.c.number == number)).first()
            doc = conn.execute(select(t.documents).where(t.documents.c.number == number)).first()
        return None if row is None else (row, doc)

    def lifecycles(
        self, month: str | None, account: str | None, issued_since: date | None, number: str | None = None
    ) -> dict[str, list[Any]]:
        """Issue 22: the lifecycle statuses of the invoices selected, in the order they were received."""
        lc, inv = t.invoice_lifecycle.c, t.invoices.c
        query = select(t.invoice_lifecycle).order_by(lc.number, lc.position)
        if number is not None:
            query = query.where(lc.number == number)
        if month or account or issued_since is not None:
            query = query.join(t.invoices, inv.number == lc.number)
            if month:
                query = query.where(inv.month == month)
            if account:
                query = query.where(inv.account == account)
            if issued_since is not None:
                query = query.where(inv.issue_date >= issued_since)
        found: dict[str, list[Any]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                found.setdefault(row.number, []).append(row)
        return found
