"""The read-model queries of corrections (``billing.services.corrections.CorrectionQueries``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, exists, select

from billing.persistence import tables as t


class SqlCorrectionQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def latest_closing_month(self) -> str | None:
        with self.engine.connect() as conn:
            latest = conn.execute(select(t.months.c.month).order_by(t.months.c.month.desc()).limit(1)).scalar()
        return None if latest is None else str(latest)

    def penalty_credit_used(self, credit_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(exists().where(t.penalty_allocations.c.credit_id == credit_id))).scalar())

    def has_usage(self, account: str) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(exists().where(t.usage_keys.c.account == account))).scalar())

    def contract_starts_from(self, day: date) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(exists().where(t.accounts.c.service_start >= day))).scalar())
