"""The read-model queries of the document service (issue 11): pending, stored and issued documents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from billing.documents.identity import load_buyers
from billing.persistence import tables as t
from invoices.document import Buyer
from ledger.document_lifecycle import DocumentStatus


class SqlDocumentQueries:
    """:class:`billing.services.documents.DocumentQueries` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def pending(self) -> list[tuple[str, dict[str, Any]]]:
        d = t.documents.c
        pending: list[tuple[str, dict[str, Any]]] = []
        with self.engine.connect() as conn:
            for kind, table in (("invoice", t.invoices), ("credit_note", t.credit_notes)):
                rows = conn.execute(
                    select(table.c.document)
                    .outerjoin(t.documents, d.number == table.c.number)
                    .where(d.number.is_(None))
                    .order_by(table.c.number)
                )
                pending += [(kind, row.document) for row in rows]
        return pending

    def stored(self, number: str) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.documents).where(t.documents.c.number == number)).first()

    def owner(self, number: str) -> str | None:
        with self.engine.connect() as conn:
            account = conn.execute(select(t.invoices.c.account).where(t.invoices.c.number == number)).scalar()
            if account is None:
                account = conn.execute(
                    select(t.credit_notes.c.account).where(t.credit_notes.c.number == number)
                ).scalar()
        return None if account is None else str(account)

    def issued_document(self, number: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            doc = conn.execute(select(t.invoices.c.document).where(t.invoices.c.number == number)).scalar()
            if doc is None:
                doc = conn.execute(
                    select(t.credit_notes.c.document).where(t.credit_notes.c.number == number)
                ).scalar()
        return None if doc is None else dict(doc)

    def buyers(self, accounts: Iterable[str]) -> dict[str, Buyer]:
        with self.engine.connect() as conn:
            return load_buyers(conn, accounts)

    def service_end(self, account: str) -> date | None:
        with self.engine.connect() as conn:
            value: date | None = conn.execute(
                select(t.accounts.c.service_end).where(t.accounts.c.account == account)
            ).scalar()
        return value

    def stored_between(self, account: str, first: date, last: date) -> list[Any]:
        d = t.documents.c
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(d.number, d.kind, d.issue_date, d.sha256, d.path)
                    .where(d.account == account, d.issue_date >= first, d.issue_date <= last, d.sha256.is_not(None))
                    .order_by(d.issue_date, d.number)
                ).all()
            )

    def not_stored_between(self, account: str, first: date, last: date) -> list[dict[str, Any]]:
        d = t.documents.c
        found: list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            for kind, table in (("invoice", t.invoices), ("credit_note", t.credit_notes)):
                rows = conn.execute(
                    select(table.c.number, table.c.issue_date, d.number.label("recorded"), d.failures)
                    .outerjoin(t.documents, d.number == table.c.number)
                    .where(table.c.account == account, table.c.issue_date >= first, table.c.issue_date <= last,
                           d.sha256.is_(None))
                )
                found += [
                    {"number": row.number, "kind": kind, "issue_date": row.issue_date,
                     "status": DocumentStatus.PENDING if row.recorded is None else DocumentStatus.REJECTED,
                     "failures": row.failures}
                    for row in rows
                ]
        return sorted(found, key=lambda item: (item["issue_date"], item["number"]))
