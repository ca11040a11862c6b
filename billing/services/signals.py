"""The contract-signals report for finance (BILLING_RULES §9): computed from the read models and the
service-level records on demand; nothing is written."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Engine, func, select

from billing.persistence import tables as t
from billing.persistence.eventstore import Ledger
from billing.services.accounts import AccountService
from billing.services.aggregates import find_aggregate
from billing.services.catalogue import CatalogueService
from billing.services.service_levels import _tickets
from billing.services.usage import UsageService
from cases.calendar import PARIS
from cases.signals import Signal, freemium_inactivity, freemium_over_cap, long_interruption
from ledger.clock import Clock, today
from ledger.months import Month
from ledger.service_level import ServiceLevel
from ledger.usage import from_micros
from pricing.proration import prorated_cap, service_days


class SignalService:
    def __init__(self, ledger: Ledger, engine: Engine, accounts: AccountService, catalogue: CatalogueService,
                 usage: UsageService, clock: Clock) -> None:
        self.ledger = ledger
        self.engine = engine
        self.accounts = accounts
        self.catalogue = catalogue
        self.usage = usage
        self.clock = clock

    def _cap(self, account: str, month: Month) -> int | None:
        customer = self.accounts.get(account)
        contract = customer.contract
        if contract is None:
            return None
        grid = self.catalogue.in_force(month.first_day)
        end = customer.termination.effective_end if customer.termination else None
        days = service_days(month, contract.service_start, end)
        return prorated_cap(grid.plan(contract.plan).included_credits, days, month.days)

    def report(self, on: date | None = None) -> list[dict[str, Any]]:
        day = on or today(self.clock)
        now = datetime.combine(day, time(0, 0), tzinfo=PARIS) if on else self.clock.now()
        signals: list[Signal] = []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.accounts.c.account, t.accounts.c.freemium, t.accounts.c.service_start, t.accounts.c.service_end)
                .where(t.accounts.c.service_start.is_not(None), t.accounts.c.service_start <= day)
                .order_by(t.accounts.c.account)
            ).all()
            last_usage = dict(
                conn.execute(
                    select(t.usage_keys.c.account, func.max(t.usage_keys.c.at_micros))
                    .where(t.usage_keys.c.account.in_([r.account for r in rows if r.freemium]))
                    .group_by(t.usage_keys.c.account)
                ).all()
            ) if any(r.freemium for r in rows) else {}
        for row in rows:
            if row.service_end is not None and row.service_end < day:
                continue
            if row.freemium:
                micros = last_usage.get(row.account)
                last = None if micros is None else from_micros(int(micros)).astimezone(PARIS).date()
                signal = freemium_inactivity(row.account, row.service_start, last, day)
                if signal:
                    signals.append(signal)
                this_month = Month.of(day)
                for month in (this_month.previous(), this_month):
                    if month.last_day < row.service_start:
                        continue
                    cap = self._cap(row.account, month)
                    credits = int(self.usage.month_usage(row.account, month)["credits"])
                    over = None if cap is None else freemium_over_cap(row.account, str(month), credits, cap, day)
                    if over:
                        signals.append(over)
            level = find_aggregate(self.ledger, ServiceLevel.create_id(row.account))
            if isinstance(level, ServiceLevel):
                interruption = long_interruption(row.account, _tickets(level), now)
                if interruption:
                    signals.append(interruption)
        return [{**asdict(s), "since": s.since.isoformat()} for s in signals]
