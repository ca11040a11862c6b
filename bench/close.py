"""B. Month close of many accounts, in-process, vs a plain COPY of the invoice and line rows it writes."""

from __future__ import annotations

import cProfile
import json
import pstats
import random
import time
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg

from bench.common import CpuMeter, copy_rows, copy_rows_pure_python, create_database, db_url, drop_database, migrate
from billing.bootstrap import Container, bootstrap
from billing.commands.closing import CloseMonth
from billing.settings import Settings
from ledger.account import CustomerAccount
from ledger.clock import PARIS, FixedClock
from ledger.grid_catalogue import grid_from_dict
from tests.support.factories import GRID_2026_A, contract, customer

MONTH, ISSUE_DATE = "2026-10", "2026-11-02"
SERVICE_START = "2026-10-01"  # October is the first billing month: no earlier month to close first
EVENTS_PER_ACCOUNT = 10
SAVE_BATCH = 500


def seed(container: Container, accounts: int) -> dict[str, float]:
    """Grid, accounts with contracts (batched saves), and October usage; not timed in the figures."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    grid = container.catalogue.in_force(datetime(2026, 10, 1).date())
    codes = [f"bench{i:05d}" for i in range(1, accounts + 1)]
    pending: list[CustomerAccount] = []
    for code in codes:
        c = customer(code)
        agg = CustomerAccount.register(
            account=code, legal_name=c["legal_name"], siren=c["siren"], vat_number=c["vat_number"],
            vat_regime=c["vat_regime"], billing_email=c["billing_email"], address=c["address"],
        )
        k = contract(SERVICE_START)
        agg.sign_contract(
            plan="PRO" if len(pending) % 4 else "START",
            service_start=datetime.fromisoformat(SERVICE_START).date(),
            installation_fee=k["installation_fee"], freemium=False, payment_method=k["payment_method"],
            mandate={**k["mandate"], "reference": f"RUM-{code.upper()}"}, plan_grid_version=grid.version,
        )
        pending.append(agg)
        if len(pending) == SAVE_BATCH:
            container.ledger.save(*pending)
            pending = []
    if pending:
        container.ledger.save(*pending)
    timings["accounts_saved_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    container.projector.catch_up()
    timings["accounts_projected_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rng = random.Random(11)
    start = datetime(2026, 10, 1, tzinfo=PARIS)
    span = 30 * 86400
    events: list[dict[str, Any]] = []
    n = 0
    for code in codes:
        heavy = rng.random() < 0.3  # about 30 % of the accounts go over their included credits
        for _ in range(EVENTS_PER_ACCOUNT):
            n += 1
            at = start + timedelta(seconds=rng.randrange(span))
            credits = rng.randint(3000, 8000) if heavy else rng.randint(10, 300)
            events.append({"id": f"u{n:08d}", "account": code, "at": at.isoformat(), "credits": credits})
    for i in range(0, len(events), 10_000):
        container.usage.ingest(json.dumps({"events": events[i : i + 10_000]}).encode())
    container.projector.catch_up()
    timings["usage_s"] = time.perf_counter() - t0
    timings["usage_events"] = len(events)
    return timings


def copy_baseline(name: str) -> dict[str, Any]:
    """COPY the invoices and invoice_lines rows the close produced into two plain tables (1 connection)."""
    url = db_url(name)
    tables = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("invoices", "invoice_lines"):
            cols = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                (table,),
            )]
            rows = conn.execute(f"SELECT {', '.join(c + '::text' for c in cols)} FROM {table}").fetchall()
            conn.execute(f"CREATE TABLE bench_{table} (LIKE {table})")  # columns only: no key, no index
            tables[table] = (cols, rows)
    seconds = 0.0
    counts = {}
    for table, (cols, rows) in tables.items():
        seconds += copy_rows(url, f"bench_{table}", cols, rows)
        counts[table] = len(rows)
    seconds_py = copy_rows_pure_python(url, {f"bench_{table}": spec for table, spec in tables.items()})
    return {"seconds": seconds, "py_seconds": seconds_py, "rows": counts,
            "method": "psycopg cursor.copy() text, write_row, 1 connection, best of 3, plain tables (LIKE, no "
                      "index); run by psycopg's C implementation and, in a child process, by its pure-Python one"}


def run(accounts: int = 10_000, profile_dir: Path | None = None) -> dict[str, Any]:
    name = create_database()
    container = None
    try:
        migrate(name)
        settings = Settings.model_validate(
            {"database_url": db_url(name), "auto_migrate": False, "storage_dir": f"/tmp/{name}-docs"}
        )
        clock = FixedClock(datetime(2026, 11, 26, 11, 0, tzinfo=PARIS))
        container = bootstrap(settings, clock, migrate=False)
        t0 = time.perf_counter()
        seeding = seed(container, accounts)
        print(f"[B] seeded {accounts:,} accounts + {seeding['usage_events']:,} usage events in "
              f"{time.perf_counter() - t0:.1f} s ({seeding})", flush=True)

        t0 = time.perf_counter()
        preview = container.closing.preview(CloseMonth.from_request(MONTH, ISSUE_DATE))
        preview_s = time.perf_counter() - t0
        print(f"[B] preview: {len(preview):,} invoices in {preview_s:.2f} s", flush=True)

        profiler = cProfile.Profile() if profile_dir else None
        meter = CpuMeter(name)
        meter.start()
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        state = container.closing.request_close(CloseMonth.from_request(MONTH, ISSUE_DATE))
        while state["status"] != "closed":
            container.closing.run_close(MONTH)
            state = container.closing.month_state(MONTH)
        if profiler:
            profiler.disable()
        close_s = time.perf_counter() - t0
        close_cpu = meter.stop()
        month = container.closing.month_state(MONTH)
        print(f"[B] close: {month['invoices']:,} invoices in {close_s:.2f} s; CPU {close_cpu['cpu_s']:.2f} s "
              f"({close_cpu['process_cpu_s']:.2f} s Python, {close_cpu['postgres_cpu_s']:.2f} s PostgreSQL)", flush=True)
        profile_top = None
        if profiler and profile_dir:
            profile_dir.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(str(profile_dir / "close.prof"))
            out = StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            (profile_dir / "close_profile.txt").write_text(out.getvalue())
            profile_top = str(profile_dir / "close_profile.txt")
        container.close()
        container = None

        copy = copy_baseline(name)
        print(f"[B] COPY baseline: {copy['rows']} in {copy['seconds']:.3f} s (psycopg C), "
              f"{copy['py_seconds']:.3f} s (psycopg pure Python)", flush=True)
        return {
            "accounts": accounts, "month": MONTH, "issue_date": ISSUE_DATE, "seeding": seeding,
            "preview_s": preview_s, "preview_invoices": len(preview),
            "close_s": close_s, "close_cpu": close_cpu, "invoices": month["invoices"], "total_ttc": month["total_ttc"],
            "invoices_per_s": month["invoices"] / close_s, "copy": copy,
            "close_ratio": close_s / copy["seconds"], "preview_ratio": preview_s / copy["seconds"],
            "close_ratio_py": close_s / copy["py_seconds"], "preview_ratio_py": preview_s / copy["py_seconds"],
            "profile": profile_top,
        }
    finally:
        if container is not None:
            container.close()
        drop_database(name)
