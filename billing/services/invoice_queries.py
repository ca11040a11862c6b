"""Reading invoices from the read model, with the payment status as of the clock's today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine, func, select

from billing.persistence import tables as t
from ledger.clock import Clock, today
from ledger.errors import NotFound


def payment_status(paid: Decimal, total_ttc: Decimal, due: date, on: date) -> str:
    """``paid`` once settled; ``late`` from the first day after the due date (art. 10.3)."""
    if paid >= total_ttc:
        return "paid"
    if on > due:
        return "late"
    return "partial" if paid > 0 else "unpaid"


def invoice_view(row: Any, on: date) -> dict[str, Any]:
    document = dict(row.document)
    document["number"] = row.number
    document["status"] = row.status
    document["paid"] = f"{Decimal(row.paid):.2f}"
    # What is owed is the TTC net of the credit notes on the invoice (negative amounts, API.md).
    owed = Decimal(row.total_ttc) + Decimal(getattr(row, "credited", None) or 0)
    document["payment_status"] = payment_status(Decimal(row.paid), owed, row.due_date, on)
    document["pdf"] = f"/v1/invoices/{row.number}.pdf"
    return document


def _credited() -> Any:
    """The sum of the credit notes' TTC on each invoice (negative), as a column ``credited``."""
    return (
        select(func.coalesce(func.sum(t.credit_notes.c.total_ttc), 0))
        .where(t.credit_notes.c.corrects == t.invoices.c.number)
        .scalar_subquery()
        .label("credited")
    )


class InvoiceQueries:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def list(self, month: str | None = None, account: str | None = None, *, years: int | None = None) -> list[dict[str, Any]]:
        query = select(t.invoices, _credited()).order_by(t.invoices.c.issue_date, t.invoices.c.number)
        if month:
            query = query.where(t.invoices.c.month == month)
        if account:
            query = query.where(t.invoices.c.account == account)
        on = today(self.clock)
        if years is not None:  # art. 10.2: invoices stay downloadable for five years
            query = query.where(t.invoices.c.issue_date >= on - relativedelta(years=years))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [invoice_view(row, on) for row in rows]

    def get(self, number: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.invoices, _credited()).where(t.invoices.c.number == number)).first()
        if row is None:
            raise NotFound(f"invoice {number!r} not found")
        return invoice_view(row, today(self.clock))
