"""The read-model queries of the month close (§7): its inputs, its bookkeeping and its totals."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from billing.documents.identity import load_buyers
from billing.persistence import tables as t
from billing.persistence.queries.rating_inputs import billable_accounts, load_account_months
from invoices.document import Buyer
from ledger.grid import PriceGrid
from ledger.month_close import CloseStatus
from ledger.months import Month
from pricing.account_month import AccountMonth


class SqlClosingQueries:
    """:class:`billing.services.closing.ClosingQueries` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def account_months(
        self, month: Month, issue_date: date, grid_of: Callable[[Month], PriceGrid]
    ) -> list[AccountMonth]:
        with self.engine.connect() as conn:
            return load_account_months(conn, month, issue_date, grid_of=grid_of)

    def billable_accounts(self, month: Month) -> set[str]:
        with self.engine.connect() as conn:
            return billable_accounts(conn, month)

    def buyers(self, accounts: Iterable[str]) -> dict[str, Buyer]:
        with self.engine.connect() as conn:
            return load_buyers(conn, accounts)

    def first_service_start(self) -> date | None:
        with self.engine.connect() as conn:
            first: date | None = conn.execute(select(func.min(t.accounts.c.service_start))).scalar()
        return first

    def issued_totals(self, month: str) -> tuple[int, Decimal, Decimal]:
        with self.engine.connect() as conn:
            count, ht, ttc = conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(t.invoices.c.total_ht), 0),
                    func.coalesce(func.sum(t.invoices.c.total_ttc), 0),
                ).where(t.invoices.c.month == month)
            ).one()
        return int(count), Decimal(ht), Decimal(ttc)

    def latest_month_started_after(self, month: Month) -> str | None:
        with self.engine.connect() as conn:
            later: str | None = conn.execute(
                select(func.max(t.months.c.month)).where(t.months.c.month > str(month))
            ).scalar()
        return later

    def closing_months(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.months.c.month).where(t.months.c.status == CloseStatus.CLOSING)).scalars())

    def month_row(self, month: str) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.months).where(t.months.c.month == month)).mappings().first()
