"""The contract-signals report for finance (BILLING_RULES §9): computed from the read models and the
service-level records on demand; nothing is written."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any, Protocol

from billing.persistence.eventstore import Ledger
from billing.services.accounts import AccountService
from billing.services.aggregates import find_aggregate
from billing.services.catalogue import CatalogueService
from billing.services.ports import ReadModels
from billing.services.service_levels import incident_tickets
from billing.services.usage import UsageService
from cases.business_calendar import PARIS
from cases.signals import Signal, freemium_inactivity, freemium_over_cap, long_interruption
from ledger.clock import Clock, today
from ledger.months import Month
from ledger.service_level import ServiceLevel
from ledger.usage import from_micros


@dataclass(frozen=True)
class ContractInService:
    account: str
    freemium: bool
    service_start: date
    service_end: date | None


class SignalQueries(Protocol):
    def contracts_started_by(self, day: date) -> list[ContractInService]:
        """Contracts whose service started on or before ``day``, by account."""

    def last_usage_micros(self, accounts: list[str]) -> dict[str, int]:
        """Account -> instant (micros) of its latest usage event, for those that have one."""


class SignalService:
    def __init__(self, ledger: Ledger, queries: SignalQueries, read_models: ReadModels, accounts: AccountService,
                 catalogue: CatalogueService, usage: UsageService, clock: Clock) -> None:
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.accounts = accounts
        self.catalogue = catalogue
        self.usage = usage
        self.clock = clock

    def _cap(self, account: str, month: Month) -> int | None:
        return self.accounts.month_cap(account, month)

    def current_report(self, on: date | None = None) -> list[dict[str, Any]]:
        """:meth:`report` after the read models have caught up with every fact recorded so far."""
        self.read_models.sync()
        return self.report(on)

    def report(self, on: date | None = None) -> list[dict[str, Any]]:
        day = on or today(self.clock)
        now = datetime.combine(day, time(0, 0), tzinfo=PARIS) if on else self.clock.now()
        signals: list[Signal] = []
        rows = self.queries.contracts_started_by(day)
        freemium = [r.account for r in rows if r.freemium]
        last_usage = self.queries.last_usage_micros(freemium) if freemium else {}
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
                interruption = long_interruption(row.account, incident_tickets(level), now)
                if interruption:
                    signals.append(interruption)
        return [{**asdict(s), "since": s.since.isoformat()} for s in signals]
