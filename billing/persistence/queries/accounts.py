"""The invoice read-model queries of the account use cases (``billing.services.accounts.AccountQueries``)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, select

from billing.persistence import tables as t
from ledger.money import Money


class SqlAccountQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def invoice_totals(self, account: str) -> dict[str, tuple[Money, Money]]:
        with self.engine.connect() as conn:
            return {
                number: (Money(Decimal(ht)), Money(Decimal(ttc)))
                for number, ht, ttc in conn.execute(
                    select(t.invoices.c.number, t.invoices.c.total_ht, t.invoices.c.total_ttc).where(
                        t.invoices.c.account == account
                    )
                )
            }
