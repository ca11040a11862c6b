"""Read-model rows of a year's FEC (exports/fec.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Engine, select

from billing.persistence import tables as t
from exports.fec import BankMove, SaleDocument


def sale_documents(conn: Connection, start: date, end: date, names: dict[str, str]) -> list[SaleDocument]:
    inv = t.invoices.c
    docs = [
        SaleDocument(r.number, r.account, names.get(r.account, ""), r.issue_date, Decimal(r.total_ht),
                     Decimal(r.total_vat), Decimal(r.total_ttc))
        for r in conn.execute(select(inv.number, inv.account, inv.issue_date, inv.total_ht, inv.total_vat,
                                     inv.total_ttc).where(inv.issue_date.between(start, end)))
    ]
    cn = t.credit_notes.c
    docs += [
        SaleDocument(r.number, r.account, names.get(r.account, ""), r.issue_date, Decimal(r.total_ht),
                     Decimal(r.total_vat), Decimal(r.total_ttc), corrects=r.corrects)
        for r in conn.execute(select(cn.number, cn.account, cn.issue_date, cn.total_ht, cn.total_vat, cn.total_ttc,
                                     cn.corrects).where(cn.issue_date.between(start, end)))
    ]
    return docs


def bank_moves(conn: Connection, start: date, end: date, names: dict[str, str]) -> list[BankMove]:
    p = t.payments.c
    moves = [
        BankMove(r.received_on, r.account, names.get(r.account, ""), r.invoice, Decimal(r.amount),
                 r.reference or f"PAY-{r.id}")
        for r in conn.execute(select(p.id, p.received_on, p.account, p.invoice, p.amount, p.reference)
                              .where(p.received_on.between(start, end)))
    ]
    u = t.unapplied_credits.c
    moves += [
        # Money received above what its invoice owed: in the bank, on the customer's account, unlettered.
        BankMove(r.received_on, r.account, names.get(r.account, ""), None, Decimal(r.amount),
                 r.reference or f"CREDIT-{r.id}")
        for r in conn.execute(select(u.id, u.received_on, u.account, u.amount, u.reference)
                              .where(u.received_on.between(start, end)))
    ]
    return moves


class SqlFecQueries:
    """:class:`billing.services.exports.FecQueries` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def year_rows(self, start: date, end: date) -> tuple[list[SaleDocument], list[BankMove]]:
        from billing.persistence.queries.workbook import legal_names

        with self.engine.connect() as conn:
            names = legal_names(conn)
            return sale_documents(conn, start, end, names), bank_moves(conn, start, end, names)
