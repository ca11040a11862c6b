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
from typing import Any

from sqlalchemy import Engine, or_, select

from billing.persistence import tables as t
from ledger.errors import InvalidInput
from ledger.grid import PriceGrid
from ledger.months import Month


def check_grid_version(grid: PriceGrid, today: date, engine: Engine, is_first: bool) -> None:
    """Raise a 422 naming what is wrong (and the contracts concerned) when ``grid`` may not be published."""
    if grid.notified_on > today:
        raise InvalidInput(
            f"notified_on {grid.notified_on.isoformat()} is in the future (today is {today.isoformat()})",
            field="notified_on",
        )
    month = Month.of(grid.effective_from)
    with engine.connect() as conn:
        # The version prices every month from effective_from until the next version: none of them
        # may have started closing (a failed close counts: its issued invoices stand).
        started = conn.execute(
            select(t.months.c.month, t.months.c.status)
            .where(t.months.c.month >= str(month))
            .order_by(t.months.c.month)
        ).first()
        if started is not None:
            raise InvalidInput(
                f"effective_from {grid.effective_from.isoformat()} would re-price month {started.month},"
                f" already {started.status}",
                field="effective_from",
            )
        if is_first:
            return
        missing = _contracts_left_out(conn, grid)
    if missing:
        raise InvalidInput(
            f"price grid {grid.version} leaves out what {len({m['account'] for m in missing})} running contracts use",
            field="plans",
            details=missing,
        )


def _contracts_left_out(conn: Any, grid: PriceGrid) -> list[dict[str, str]]:
    """Contracts running on ``effective_from`` whose plan or Advanced Support pack the grid lacks."""
    day = grid.effective_from
    a = t.accounts.c
    running = or_(a.service_end.is_(None), a.service_end >= day)
    missing: list[dict[str, str]] = []
    for account, plan in conn.execute(
        select(a.account, a.plan).where(a.plan.is_not(None), running).order_by(a.account)
    ):
        if plan not in grid.plans:
            missing.append({"account": account, "plan": plan})
    o = t.account_options.c
    for account, pack in conn.execute(
        select(o.account, o.pack)
        .join(t.accounts, t.accounts.c.account == o.account)
        .where(o.option == "advanced_support", or_(o.ended_on.is_(None), o.ended_on >= day), running)
        .order_by(o.account)
    ):
        if pack is not None and pack not in grid.support_packs:
            missing.append({"account": account, "pack": pack})
    return missing
