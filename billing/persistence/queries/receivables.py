"""What each invoice still owed on a date (BILLING_RULES §8): payments and credit notes dated on or
before that date count, later ones do not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from billing.documents.identity import load_buyers
from billing.persistence import tables as t
from billing.services.receivables import Receivable
from invoices.document import Buyer
from invoices.draft import LATE_PAYMENT_KINDS


def receivables_on(conn: Connection, on: date, account: str | None = None) -> list[Receivable]:
    paid = (
        select(t.payments.c.invoice, func.sum(t.payments.c.amount).label("paid"))
        .where(t.payments.c.received_on <= on)
        .group_by(t.payments.c.invoice)
        .subquery()
    )
    credited = (
        select(t.credit_notes.c.corrects, func.sum(t.credit_notes.c.total_ttc).label("credited"))
        .where(t.credit_notes.c.issue_date <= on)
        .group_by(t.credit_notes.c.corrects)
        .subquery()
    )
    late_kind = (
        select(t.invoice_lines.c.number)
        .where(t.invoice_lines.c.kind.in_(LATE_PAYMENT_KINDS))
        .distinct()
        .subquery()
    )
    query = (
        select(
            t.invoices.c.number, t.invoices.c.account, t.invoices.c.month, t.invoices.c.issue_date,
            t.invoices.c.due_date, t.invoices.c.total_ttc, paid.c.paid, credited.c.credited,
            late_kind.c.number.label("late_kind"),
        )
        .outerjoin(paid, paid.c.invoice == t.invoices.c.number)
        .outerjoin(credited, credited.c.corrects == t.invoices.c.number)
        .outerjoin(late_kind, late_kind.c.number == t.invoices.c.number)
        .where(t.invoices.c.issue_date <= on)
        .order_by(t.invoices.c.due_date, t.invoices.c.number)
    )
    if account is not None:
        query = query.where(t.invoices.c.account == account)
    found = []
    for row in conn.execute(query):
        outstanding = Decimal(row.total_ttc) + Decimal(row.credited or 0) - Decimal(row.paid or 0)
        if outstanding > 0:
            found.append(
                Receivable(row.number, row.account, row.month, row.issue_date, row.due_date,
                           Decimal(row.total_ttc), outstanding, row.late_kind is not None)
            )
    return found


def late_payment_billed(conn: Connection, account: str) -> dict[str, dict[str, Any]]:
    """Per late invoice, what earlier late-payment invoices billed: {"interest_to", "indemnity"}."""
    numbers = (
        select(t.invoice_lines.c.number).where(t.invoice_lines.c.kind.in_(LATE_PAYMENT_KINDS)).distinct()
    )
    query = select(t.invoices.c.document).where(
        t.invoices.c.account == account, t.invoices.c.number.in_(numbers)
    )
    billed: dict[str, dict[str, Any]] = {}
    for (document,) in conn.execute(query):
        for item in document.get("late_payment", []):
            entry = billed.setdefault(item["invoice"], {"interest_to": None, "indemnity": False})
            if entry["interest_to"] is None or item["interest_to"] > entry["interest_to"]:
                entry["interest_to"] = item["interest_to"]
            entry["indemnity"] = entry["indemnity"] or Decimal(item["indemnity"]) > 0
    return billed


class SqlReceivableQueries:
    """:class:`billing.services.receivables.ReceivableQueries` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def receivables_on(self, on: date, account: str | None = None) -> list[Receivable]:
        with self.engine.connect() as conn:
            return receivables_on(conn, on, account)

    def late_payment_billed(self, account: str) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            return late_payment_billed(conn, account)

    def account(self, account: str) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.accounts).where(t.accounts.c.account == account)).first()

    def buyer(self, account: str) -> Buyer | None:
        with self.engine.connect() as conn:
            return load_buyers(conn, [account]).get(account)
