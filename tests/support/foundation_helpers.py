"""Helpers for the integration tests: commands through the container's services, table dumps."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from billing.bootstrap import Container
from billing.commands.accounts import RegisterCustomer, SignContract
from billing.commands.closing import CloseMonth
from billing.persistence import tables as t
from ledger.clock import PARIS, FixedClock
from ledger.grid_catalogue import grid_from_dict
from support.factories import GRID_2026_A, contract, customer


def signed_up(container: Container, *accounts: str) -> None:
    """Grid 2026-A, then each account registered with the factories' PRO contract from 2026-02-10."""
    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    for account in accounts:
        container.accounts.register(RegisterCustomer.from_request(customer(account)))
        container.accounts.sign_contract(account, SignContract.from_request(contract()))


def ingest(container: Container, events: list[dict[str, Any]]) -> Any:
    return container.usage.ingest(json.dumps({"events": events}).encode())


def close_february(container: Container, clock: FixedClock) -> list[dict[str, Any]]:
    """Move to 2 March 2026 and close February in this process; return its invoices."""
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=PARIS))
    state = container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))
    if state["status"] != "closed":
        container.closing.run_close("2026-02")
    container.projector.catch_up()
    assert container.closing.month_state("2026-02")["status"] == "closed"
    return container.invoices.list(month="2026-02")


def dump(engine: Engine) -> dict[str, list[str]]:
    """Every projected table, rows sorted, without surrogate ``id`` keys (a sequence is not a fact)."""
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in t.PROJECTED_TABLES:
            rows = []
            for row in conn.execute(select(table)).mappings():
                kept = {k: v for k, v in row.items() if not (k == "id" and table.c.id.autoincrement is True)}
                rows.append(json.dumps(kept, sort_keys=True, default=str))
            out[table.name] = sorted(rows)
    return out


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(table)).all())
