"""C. Projection of many new accounts: in bulk (one statement per table per step) vs per event.

Both ways run on the same ledger in the same run: the accounts (registered, contract signed, a
third with an option) are saved once, then projected from an empty read model by a projector set
per event (``projector.bulk = False``: one statement per event, the projection before issue 10),
and again in bulk. The two read models must be identical; the figure is their time ratio.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from bench.common import create_database, db_url, drop_database, migrate
from billing.bootstrap import Container, bootstrap
from billing.persistence import tables as t
from billing.settings import Settings
from ledger.account import CustomerAccount
from ledger.clock import PARIS, FixedClock
from ledger.grid_catalogue import grid_from_dict
from ledger.money import Money
from tests.support.factories import GRID_2026_A, contract, customer

SERVICE_START = date(2026, 10, 1)
SAVE_BATCH = 500


def seed(container: Container, accounts: int) -> int:
    """Grid and accounts saved to the ledger (not projected); returns the number of events."""
    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    grid = container.catalogue.in_force(SERVICE_START)
    pending: list[CustomerAccount] = []
    events = 1
    for i in range(accounts):
        code = f"bench{i:05d}"
        c = customer(code)
        agg = CustomerAccount.register(
            account=code, legal_name=c["legal_name"], siren=c["siren"], vat_number=c["vat_number"],
            vat_regime=c["vat_regime"], billing_email=c["billing_email"], address=c["address"],
        )
        k = contract(SERVICE_START.isoformat())
        agg.sign_contract(
            plan="PRO" if i % 4 else "START", service_start=SERVICE_START,
            installation_fee=Money.of(k["installation_fee"]), freemium=False, payment_method=k["payment_method"],
            mandate={**k["mandate"], "reference": f"RUM-{code.upper()}"}, plan_grid_version=grid.version,
        )
        events += 2
        if i % 3 == 0:
            agg.accept_option("advanced_support", "AS4", SERVICE_START)
            events += 1
        pending.append(agg)
        if len(pending) == SAVE_BATCH:
            container.ledger.save(*pending)
            pending = []
    if pending:
        container.ledger.save(*pending)
    return events


def snapshot(container: Container) -> list[list[str]]:
    """The account tables' rows, sorted, without surrogate ids."""
    out = []
    with container.engine.connect() as conn:
        for table in (t.accounts, t.account_options):
            rows = [
                json.dumps({k: v for k, v in row.items() if k != "id"}, sort_keys=True, default=str)
                for row in conn.execute(select(table)).mappings()
            ]
            out.append(sorted(rows))
    return out


def project(container: Container, bulk: bool) -> float:
    container.projector.bulk = bulk
    container.projector.reset()
    t0 = time.perf_counter()
    container.projector.catch_up()
    seconds = time.perf_counter() - t0
    assert container.projector.failure is None, container.projector.failure
    return seconds


def run(accounts: int = 10_000) -> dict[str, Any]:
    name = create_database()
    container = None
    try:
        migrate(name)
        settings = Settings.model_validate(
            {"database_url": db_url(name), "auto_migrate": False, "storage_dir": f"/tmp/{name}-docs"}
        )
        container = bootstrap(settings, FixedClock(datetime(2026, 10, 2, 11, 0, tzinfo=PARIS)), migrate=False)
        t0 = time.perf_counter()
        events = seed(container, accounts)
        print(f"[C] saved {accounts:,} accounts ({events:,} events) in {time.perf_counter() - t0:.1f} s", flush=True)

        per_event_s = project(container, bulk=False)
        per_event = snapshot(container)
        print(f"[C] per event: {per_event_s:.2f} s", flush=True)
        bulk_s = project(container, bulk=True)
        identical = snapshot(container) == per_event
        print(f"[C] bulk: {bulk_s:.2f} s ({per_event_s / bulk_s:.1f}x); identical read models: {identical}",
              flush=True)
        if not identical:
            raise AssertionError("bulk and per-event projections of the accounts differ")
        return {
            "accounts": accounts, "events": events, "options": len(per_event[1]),
            "per_event_s": per_event_s, "bulk_s": bulk_s, "speedup": per_event_s / bulk_s,
            "accounts_per_s": accounts / bulk_s, "identical": identical,
            "method": "projector.reset() then catch_up() of the whole ledger (batch_size 500), same database and "
                      "ledger; per event = projector.bulk False (one statement per event, as before issue 10)",
        }
    finally:
        if container is not None:
            container.close()
        drop_database(name)
