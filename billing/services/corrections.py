"""Corrections as events (issue 9): withdraw a fact recorded by mistake while no issued invoice
can have used it; a closed month's facts are corrected by credit note. And the account's history,
where every fact and every withdrawal shows with its reason."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, Protocol

from billing.commands.corrections import CorrectIntervention, CorrectSupportHours, WithdrawOption
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import get_aggregate, run_command
from billing.services.ports import ReadModels
from ledger.account import CustomerAccount
from ledger.clock import Clock, today
from ledger.grid_catalogue import PriceGridCatalogue
from ledger.identifiers import validate_account_id
from ledger.money import Money
from ledger.months import Month

# Fields of stored events not shown in the history (the library's own, and bank details).
_HIDDEN = {"originator_id", "originator_version", "timestamp", "originator_topic"}


class CorrectionQueries(Protocol):
    """What a withdrawal must know from the read models: is the fact already used?"""

    def latest_closing_month(self) -> str | None:
        """The latest month (YYYY-MM) whose close has started, if any."""

    def penalty_credit_used(self, credit_id: str) -> bool:
        """Has an issued invoice deducted (part of) this penalty credit?"""

    def has_usage(self, account: str) -> bool: ...

    def contract_starts_from(self, day: date) -> bool:
        """Does any contract start on or after ``day`` (so may be priced by a grid from that day)?"""


class CorrectionService:
    def __init__(self, ledger: Ledger, queries: CorrectionQueries, read_models: ReadModels, clock: Clock) -> None:
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.clock = clock

    def closed_through(self) -> Month | None:
        """The latest month whose close has started: its facts (and earlier ones) are invoiced."""
        self.read_models.sync()
        latest = self.queries.latest_closing_month()
        return None if latest is None else Month.parse(latest)

    def _run(self, account: str, command: Any) -> None:
        code = validate_account_id(account)
        run_command(self.ledger, CustomerAccount.create_id(code), command, what=f"account {code!r}",
                    after_save=self.read_models.sync)

    def withdraw_support_hours(self, account: str, number: int, reason: str) -> None:
        closed = self.closed_through()
        self._run(account, lambda c: c.withdraw_support_hours(number, reason, closed))

    def withdraw_intervention(self, account: str, number: int, reason: str) -> None:
        closed = self.closed_through()
        self._run(account, lambda c: c.withdraw_intervention(number, reason, closed))

    def correct_support_hours(self, account: str, command: CorrectSupportHours) -> None:
        """Withdraw record ``number`` and record the right one, in one save (both events or neither)."""
        closed = self.closed_through()
        record = command.record
        self._require_open(record.on, closed)

        def correct(c: CustomerAccount) -> None:
            c.withdraw_support_hours(command.number, command.reason, closed)
            c.record_support_hours(record.on, record.hours, record.note)

        self._run(account, correct)

    def correct_intervention(self, account: str, command: CorrectIntervention) -> None:
        """Withdraw intervention ``number`` and record the right one, in one save."""
        closed = self.closed_through()
        record = command.record
        self._require_open(record.on, closed)

        def correct(c: CustomerAccount) -> None:
            c.withdraw_intervention(command.number, command.reason, closed)
            c.record_intervention(record.on, record.hours, record.description)

        self._run(account, correct)

    @staticmethod
    def _require_open(day: date, closed: Month | None) -> None:
        """The corrected record must itself fall in a month not yet closed."""
        CustomerAccount._require_open_month(day, closed, "the corrected record")

    def withdraw_penalty_credit(self, account: str, credit_id: str, reason: str) -> None:
        self.read_models.sync()
        used = self.queries.penalty_credit_used(credit_id)
        self._run(account, lambda c: c.withdraw_penalty_credit(credit_id, reason, used))

    def withdraw_option(self, account: str, command: WithdrawOption) -> None:
        closed = self.closed_through()
        self._run(account, lambda c: c.withdraw_option(command.option, command.accepted_on, command.reason, closed))

    def withdraw_contract(self, account: str, reason: str) -> None:
        closed = self.closed_through()
        has_usage = self.queries.has_usage(account)
        self._run(account, lambda c: c.withdraw_contract(reason, closed, has_usage))

    def withdraw_grid(self, version: str, reason: str) -> None:
        def withdraw(catalogue: PriceGridCatalogue) -> None:
            grid = catalogue.find(version)
            used = False
            if grid is not None:
                used = self.queries.contract_starts_from(grid.effective_from)
            catalogue.withdraw(version, reason, today(self.clock), used)

        run_command(self.ledger, PriceGridCatalogue.create_id(), withdraw, what="price grid catalogue",
                    after_save=self.read_models.sync)

    def history(self, account: str) -> list[dict[str, Any]]:
        """Every event of the account, oldest first, with its facts (records numbered as withdrawals name them)."""
        code = validate_account_id(account)
        aggregate_id = CustomerAccount.create_id(code)
        get_aggregate(self.ledger, aggregate_id, f"account {code!r}")  # 404 for an unknown account
        counts: dict[str, int] = {}
        entries = []
        for event in self.ledger.repository.event_store.get(aggregate_id):
            name = type(event).__qualname__.split(".")[-1]
            facts = {k: _plain(v) for k, v in vars(event).items() if k not in _HIDDEN}
            if isinstance(facts.get("mandate"), dict):
                facts["mandate"] = {"reference": facts["mandate"].get("reference")}
            if name in ("SupportHoursRecorded", "InterventionRecorded"):
                counts[name] = counts.get(name, 0) + 1
                facts["number"] = counts[name]
            entries.append({"version": event.originator_version, "event": name,
                            "recorded_at": getattr(event, "timestamp").isoformat(), "facts": facts})  # noqa: B009
        return entries


def _plain(value: Any) -> Any:
    if isinstance(value, Money):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A value object (a mandate, an address): its fields, so the caller can keep only some of them
        # (a mandate shows its reference, never its IBAN); not its repr.
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
