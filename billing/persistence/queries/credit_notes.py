"""The read-model queries of the credit-note service (BILLING_RULES §7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from billing.documents.identity import load_buyers
from billing.persistence import tables as t
from invoices.document import Buyer


class SqlCreditNoteQueries:
    """:class:`billing.services.credit_notes.CreditNoteQueries` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def is_credit_note(self, number: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(t.credit_notes.c.number).where(t.credit_notes.c.number == number)).first()
        return found is not None

    def buyer(self, account: str) -> Buyer | None:
        with self.engine.connect() as conn:
            return load_buyers(conn, [account]).get(account)

    def credit_note(self, number: str) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.credit_notes).where(t.credit_notes.c.number == number)).first()

    def of_account(self, account: str, since: date) -> list[Any]:
        c = t.credit_notes.c
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(t.credit_notes)
                    .where(c.account == account, c.issue_date >= since)
                    .order_by(c.issue_date, c.number)
                ).all()
            )
