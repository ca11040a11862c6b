"""The read-model queries of money received (issue 12): invoices to pay, statement references, credit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from billing.persistence import tables as t


class SqlPaymentQueries:
    """:class:`billing.services.payments.PaymentQueries` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def invoice(self, number: str) -> Any | None:
        credited = (
            select(func.coalesce(func.sum(t.credit_notes.c.total_ttc), 0))
            .where(t.credit_notes.c.corrects == t.invoices.c.number)
            .scalar_subquery()
        )
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.invoices.c.number, t.invoices.c.account, t.invoices.c.total_ttc, t.invoices.c.due_date,
                       credited.label("credited")).where(t.invoices.c.number == number)
            ).first()

    def unapplied_credits(self) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.unapplied_credits).order_by(t.unapplied_credits.c.id)).all())

    def statement_rows(self) -> tuple[set[str], dict[str, tuple[str, Decimal]], set[str]]:
        """The references of all money recorded, what each open invoice owes, the invoices in SEPA files."""
        with self.engine.connect() as conn:
            seen = set(conn.execute(select(t.payments.c.reference).where(t.payments.c.reference != "")).scalars())
            seen |= set(conn.execute(select(t.unapplied_credits.c.reference).where(
                t.unapplied_credits.c.reference != "")).scalars())
            outstanding = _outstanding(conn)
            in_sepa_files = set(conn.execute(select(t.sepa_debits.c.invoice)).scalars())
        return seen, outstanding, in_sepa_files


def _outstanding(conn: Any) -> dict[str, tuple[str, Decimal]]:
    credited = (
        select(t.credit_notes.c.corrects, func.sum(t.credit_notes.c.total_ttc).label("credited"))
        .group_by(t.credit_notes.c.corrects).subquery()
    )
    rows = conn.execute(
        select(t.invoices.c.number, t.invoices.c.account, t.invoices.c.total_ttc, t.invoices.c.paid,
               credited.c.credited).outerjoin(credited, credited.c.corrects == t.invoices.c.number)
    )
    open_invoices = {}
    for row in rows:
        owed = Decimal(row.total_ttc) + Decimal(row.credited or 0) - Decimal(row.paid)
        if owed > 0:
            open_invoices[row.number] = (row.account, owed)
    return open_invoices
