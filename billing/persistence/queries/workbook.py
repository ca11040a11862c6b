"""Read-model rows of the accountants' workbook (exports/accounting_sheets.py) for an issue-date range."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, func, select

from billing.persistence import tables as t
from billing.persistence.queries.receivables import receivables_on
from exports.accounting_sheets import DocumentRow, LineRow, OpenItem, PaymentRow


def legal_names(conn: Connection) -> dict[str, str]:
    return dict(conn.execute(select(t.accounts.c.account, t.accounts.c.legal_name)).tuples().all())


def documents(conn: Connection, start: date, end: date, names: dict[str, str]) -> list[DocumentRow]:
    """Invoices and credit notes issued in [start, end], in issue order."""
    inv = t.invoices.c
    rows = [
        DocumentRow(r.number, "Facture", r.account, names.get(r.account, ""), r.month, r.issue_date, r.due_date, None,
                    Decimal(r.document.get("vat_rate", "0")), Decimal(r.total_ht), Decimal(r.total_vat),
                    Decimal(r.total_ttc), r.status)
        for r in conn.execute(
            select(inv.number, inv.account, inv.month, inv.issue_date, inv.due_date, inv.total_ht, inv.total_vat,
                   inv.total_ttc, inv.status, inv.document).where(inv.issue_date.between(start, end))
        )
    ]
    cn = t.credit_notes.c
    rows += [
        DocumentRow(r.number, "Avoir", r.account, names.get(r.account, ""), f"{r.issue_date:%Y-%m}", r.issue_date, None,
                    r.corrects, Decimal(r.vat_rate or 0), Decimal(r.total_ht), Decimal(r.total_vat),
                    Decimal(r.total_ttc), "issued")
        for r in conn.execute(
            select(cn.number, cn.account, cn.corrects, cn.issue_date, cn.vat_rate, cn.total_ht, cn.total_vat,
                   cn.total_ttc).where(cn.issue_date.between(start, end))
        )
    ]
    rows.sort(key=lambda d: (d.issue_date, d.number))
    return rows


def lines(conn: Connection, start: date, end: date) -> Iterator[LineRow]:
    li = t.invoice_lines.c
    query = (
        select(li.number, li.seq, li.kind, li.label, li.quantity, li.unit_price, li.amount)
        .join(t.invoices, t.invoices.c.number == li.number)
        .where(t.invoices.c.issue_date.between(start, end))
        .order_by(t.invoices.c.issue_date, li.number, li.seq)
    )
    for r in conn.execution_options(yield_per=20000).execute(query):
        yield LineRow(r.number, r.seq, r.kind, r.label, r.quantity,
                      None if r.unit_price is None else Decimal(r.unit_price), Decimal(r.amount))


def line_count(conn: Connection, start: date, end: date) -> int:
    """How many lines ``lines`` will stream (the progress bar's total), by the same join."""
    li = t.invoice_lines.c
    query = (select(func.count()).select_from(t.invoice_lines)
             .join(t.invoices, t.invoices.c.number == li.number)
             .where(t.invoices.c.issue_date.between(start, end)))
    return int(conn.execute(query).scalar_one())


def payments(conn: Connection, start: date, end: date) -> list[PaymentRow]:
    """Money received in [start, end]: the parts applied to invoices (returns negative) and the unapplied
    rest of a receipt, without an invoice (issue 18: the sheet is the FEC's bank journal, which books both;
    it listed only the applied part, so an overpayment of 1,400.00 on 1,367.15 showed 32.85 less)."""
    p = t.payments.c
    query = select(p.received_on, p.account, p.invoice, p.amount, p.method, p.reference, p.id).where(
        p.received_on.between(start, end))
    rows = [(r.received_on, 0, r.id, PaymentRow(r.received_on, r.account, r.invoice, Decimal(r.amount), r.method,
                                                r.reference or "")) for r in conn.execute(query)]
    u = t.unapplied_credits.c
    rest = select(u.received_on, u.account, u.amount, u.method, u.reference, u.id).where(
        u.received_on.between(start, end))
    rows += [(r.received_on, 1, r.id, PaymentRow(r.received_on, r.account, None, Decimal(r.amount), r.method,
                                                 r.reference or "")) for r in conn.execute(rest)]
    rows.sort(key=lambda row: row[:3])
    return [row[3] for row in rows]


def open_items(conn: Connection, end: date, names: dict[str, str]) -> list[OpenItem]:
    return [OpenItem(r.number, r.account, names.get(r.account, ""), r.due_date, r.outstanding)
            for r in receivables_on(conn, end)]


@dataclass(frozen=True)
class WorkbookRows:
    """The rows of one workbook, read in one connection; ``lines`` streams while it is open."""

    documents: list[DocumentRow]
    lines: Iterator[LineRow]
    payments: list[PaymentRow]
    open_items: list[OpenItem]
    line_count: int


class SqlWorkbookQueries:
    """:class:`billing.services.exports.WorkbookQueries` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def rows(self, start: date, end: date, aged_on: date) -> Iterator[WorkbookRows]:
        with self.engine.connect() as conn:
            names = legal_names(conn)
            docs = documents(conn, start, end, names)
            pays = payments(conn, start, end)
            items = open_items(conn, aged_on, names)
            yield WorkbookRows(docs, lines(conn, start, end), pays, items, line_count(conn, start, end))
