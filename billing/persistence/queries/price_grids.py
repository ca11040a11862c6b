"""The read-model queries of the price-grid guards (``billing.services.grid_guards.GridGuardQueries``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, or_, select

from billing.persistence import tables as t


class SqlGridGuardQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def first_close_from(self, month: str) -> tuple[str, str] | None:
        with self.engine.connect() as conn:
            started = conn.execute(
                select(t.months.c.month, t.months.c.status)
                .where(t.months.c.month >= month)
                .order_by(t.months.c.month)
            ).first()
        return None if started is None else (str(started.month), str(started.status))

    def running_plans(self, day: date) -> list[tuple[str, str]]:
        a = t.accounts.c
        running = or_(a.service_end.is_(None), a.service_end >= day)
        with self.engine.connect() as conn:
            return [
                (account, plan)
                for account, plan in conn.execute(
                    select(a.account, a.plan).where(a.plan.is_not(None), running).order_by(a.account)
                )
            ]

    def running_support_packs(self, day: date) -> list[tuple[str, str | None]]:
        a = t.accounts.c
        o = t.account_options.c
        running = or_(a.service_end.is_(None), a.service_end >= day)
        with self.engine.connect() as conn:
            return [
                (account, pack)
                for account, pack in conn.execute(
                    select(o.account, o.pack)
                    .join(t.accounts, t.accounts.c.account == o.account)
                    .where(o.option == "advanced_support", or_(o.ended_on.is_(None), o.ended_on >= day), running)
                    .order_by(o.account)
                )
            ]
