"""Guards on a new price grid version that need the ledger's state (BILLING_RULES §4).

The catalogue aggregate checks what one version and its predecessors say (first of a month, one
month's notice); these checks need the clock, the closes and the contracts:
- ``notified_on`` is not after today: a notice cannot be claimed before it was sent;
- ``effective_from`` is in a month whose close has not started: a closed month is never re-priced;
- every plan, option and Advanced Support pack that a contract still running on ``effective_from``
  uses is in the new version: a price change must never leave a contract that cannot be billed.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from ledger.errors import InvalidInput
from ledger.grid import PriceGrid
from ledger.months import Month


class GridGuardQueries(Protocol):
    def first_close_from(self, month: str) -> tuple[str, str] | None:
        """(month, status) of the first month from ``month`` (YYYY-MM) whose close has started."""

    def running_plans(self, day: date) -> list[tuple[str, str]]:
        """(account, plan) of the contracts still running on ``day``, by account."""

    def running_support_packs(self, day: date) -> list[tuple[str, str | None]]:
        """(account, pack) of the Advanced Support options running on ``day`` on running contracts."""


def check_grid_version(grid: PriceGrid, today: date, queries: GridGuardQueries, is_first: bool) -> None:
    """Raise a 422 naming what is wrong (and the contracts concerned) when ``grid`` may not be published."""
    if grid.notified_on > today:
        raise InvalidInput(
            f"notified_on {grid.notified_on.isoformat()} is in the future (today is {today.isoformat()})",
            field="notified_on",
        )
    month = Month.of(grid.effective_from)
    # The version prices every month from effective_from until the next version: none of them
    # may have started closing (a failed close counts: its issued invoices stand).
    started = queries.first_close_from(str(month))
    if started is not None:
        raise InvalidInput(
            f"effective_from {grid.effective_from.isoformat()} would re-price month {started[0]},"
            f" already {started[1]}",
            field="effective_from",
        )
    if is_first:
        return
    missing = _contracts_left_out(queries, grid)
    if missing:
        raise InvalidInput(
            f"price grid {grid.version} leaves out what {len({m['account'] for m in missing})} running contracts use",
            field="plans",
            details=missing,
        )


def _contracts_left_out(queries: GridGuardQueries, grid: PriceGrid) -> list[dict[str, str]]:
    """Contracts running on ``effective_from`` whose plan or Advanced Support pack the grid lacks."""
    day = grid.effective_from
    missing: list[dict[str, str]] = []
    for account, plan in queries.running_plans(day):
        if plan not in grid.plans:
            missing.append({"account": account, "plan": plan})
    for account, pack in queries.running_support_packs(day):
        if pack is not None and pack not in grid.support_packs:
            missing.append({"account": account, "pack": pack})
    return missing
