"""Corrections as events (issue 9): withdraw a fact recorded by mistake while no issued invoice
can have used it; a closed month's facts are corrected by credit note. And the account's history,
where every fact and every withdrawal shows with its reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, exists, select

from billing.persistence import tables as t
from billing.persistence.eventstore import Ledger
from billing.persistence.projections import ReadModelProjector
from billing.services.aggregates import get_aggregate, run_command
from ledger.account import CustomerAccount
from ledger.clock import Clock, today
from ledger.grid_catalogue import PriceGridCatalogue
from ledger.identifiers import validate_account_id
from ledger.input_checks import require_date
from ledger.months import Month

# Fields of stored events not shown in the history (the library's own, and bank details).
_HIDDEN = {"originator_id", "originator_version", "timestamp", "originator_topic"}


class CorrectionService:
    def __init__(self, ledger: Ledger, engine: Engine, projector: ReadModelProjector, clock: Clock) -> None:
        self.ledger = ledger
        self.engine = engine
        self.projector = projector
        self.clock = clock

    def closed_through(self) -> Month | None:
        """The latest month whose close has started: its facts (and earlier ones) are invoiced."""
        self.projector.catch_up()
        with self.engine.connect() as conn:
            latest = conn.execute(select(t.months.c.month).order_by(t.months.c.month.desc()).limit(1)).scalar()
        return None if latest is None else Month.parse(latest)

    def _run(self, account: str, command: Any) -> None:
        code = validate_account_id(account)
        run_command(self.ledger, CustomerAccount.create_id(code), command, what=f"account {code!r}",
                    after_save=self.projector.catch_up)

    def withdraw_support_hours(self, account: str, number: int, reason: str) -> None:
        closed = self.closed_through()
        self._run(account, lambda c: c.withdraw_support_hours(number, reason, closed))

    def withdraw_intervention(self, account: str, number: int, reason: str) -> None:
        closed = self.closed_through()
        self._run(account, lambda c: c.withdraw_intervention(number, reason, closed))

    def correct_support_hours(self, account: str, number: int, reason: str, record: dict[str, Any]) -> None:
        """Withdraw record ``number`` and record the right one, in one save (both events or neither)."""
        closed = self.closed_through()
        on = require_date(record.get("on"), "on")
        self._require_open(on, closed)

        def correct(c: CustomerAccount) -> None:
            c.withdraw_support_hours(number, reason, closed)
            c.record_support_hours(on, record.get("hours"), record.get("note", ""))  # type: ignore[arg-type]

        self._run(account, correct)

    def correct_intervention(self, account: str, number: int, reason: str, record: dict[str, Any]) -> None:
        """Withdraw intervention ``number`` and record the right one, in one save."""
        closed = self.closed_through()
        on = require_date(record.get("on"), "on")
        self._require_open(on, closed)

        def correct(c: CustomerAccount) -> None:
            c.withdraw_intervention(number, reason, closed)
            c.record_intervention(on, record.get("hours"), record.get("description"))  # type: ignore[arg-type]

        self._run(account, correct)

    @staticmethod
    def _require_open(day: date, closed: Month | None) -> None:
        """The corrected record must itself fall in a month not yet closed."""
        CustomerAccount._require_open_month(day, closed, "the corrected record")

    def withdraw_penalty_credit(self, account: str, credit_id: str, reason: str) -> None:
        self.projector.catch_up()
        with self.engine.connect() as conn:
            used = bool(conn.execute(select(exists().where(t.penalty_allocations.c.credit_id == credit_id))).scalar())
        self._run(account, lambda c: c.withdraw_penalty_credit(credit_id, reason, used))

    def withdraw_option(self, account: str, option: str, accepted_on: str, reason: str) -> None:
        day = require_date(accepted_on, "accepted_on")
        closed = self.closed_through()
        self._run(account, lambda c: c.withdraw_option(option, day, reason, closed))

    def withdraw_contract(self, account: str, reason: str) -> None:
        closed = self.closed_through()
        with self.engine.connect() as conn:
            has_usage = bool(conn.execute(select(exists().where(t.usage_keys.c.account == account))).scalar())
        self._run(account, lambda c: c.withdraw_contract(reason, closed, has_usage))

    def withdraw_grid(self, version: str, reason: str) -> None:
        def withdraw(catalogue: PriceGridCatalogue) -> None:
            grid = catalogue.find(version)
            used = False
            if grid is not None:
                with self.engine.connect() as conn:
                    used = bool(conn.execute(select(exists().where(
                        t.accounts.c.service_start >= grid.effective_from))).scalar())
            catalogue.withdraw(version, reason, today(self.clock), used)

        run_command(self.ledger, PriceGridCatalogue.create_id(), withdraw, what="price grid catalogue",
                    after_save=self.projector.catch_up)

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
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
