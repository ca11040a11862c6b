"""The read-model queries of the contract-signals report (``billing.services.signals.SignalQueries``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select

from billing.persistence import tables as t
from billing.services.signals import ContractInService


class SqlSignalQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def contracts_started_by(self, day: date) -> list[ContractInService]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.accounts.c.account, t.accounts.c.freemium, t.accounts.c.service_start, t.accounts.c.service_end)
                .where(t.accounts.c.service_start.is_not(None), t.accounts.c.service_start <= day)
                .order_by(t.accounts.c.account)
            ).all()
        return [ContractInService(r.account, bool(r.freemium), r.service_start, r.service_end) for r in rows]

    def last_usage_micros(self, accounts: list[str]) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                account: int(micros)
                for account, micros in conn.execute(
                    select(t.usage_keys.c.account, func.max(t.usage_keys.c.at_micros))
                    .where(t.usage_keys.c.account.in_(accounts))
                    .group_by(t.usage_keys.c.account)
                ).all()
                if micros is not None
            }
