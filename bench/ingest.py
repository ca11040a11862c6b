"""A. Usage ingestion through the real HTTP server vs a plain COPY of the same rows."""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg

from bench.common import (
    BIN,
    ROOT,
    RssSampler,
    copy_rows,
    copy_rows_pure_python,
    create_database,
    db_url,
    drop_database,
    free_port,
    migrate,
    tree_rss_mb,
)
from tests.support.factories import GRID_2026_A, contract, customer

ADMIN_TOKEN = "bench-admin-token"
ACCOUNTS = [f"bench{i:03d}" for i in range(1, 51)]
BATCH = 5_000
CONNECTIONS = 4
WINDOW_START = datetime(2026, 10, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 25, tzinfo=UTC)


def generate(count: int, seed: int = 7) -> list[bytes]:
    """Bodies of BATCH events (bytes); ids are unique per account."""
    rng = random.Random(seed)
    span = int((WINDOW_END - WINDOW_START).total_seconds())
    bodies: list[bytes] = []
    for start in range(0, count, BATCH):
        events = []
        for n in range(start, min(start + BATCH, count)):
            at = WINDOW_START + timedelta(seconds=rng.randrange(span))
            events.append(
                {"id": f"e{n:08d}", "account": ACCOUNTS[n % len(ACCOUNTS)], "at": at.isoformat(),
                 "credits": rng.randint(1, 50)}
            )
        bodies.append(json.dumps({"events": events}).encode())
    return bodies


def copy_baseline(name: str, bodies: list[bytes]) -> dict[str, Any]:
    """COPY the very same events (account, event_id, at_micros, credits) into a plain table."""
    rows: list[tuple[str, str, int, int]] = []
    for body in bodies:
        for e in json.loads(body)["events"]:
            at = datetime.fromisoformat(e["at"])
            rows.append((e["account"], e["id"], int(at.timestamp() * 1_000_000), e["credits"]))
    url = db_url(name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_copy (account text NOT NULL, event_id text NOT NULL, "
            "at_micros bigint NOT NULL, credits bigint NOT NULL)"
        )
        # Not a baseline, a floor: the same rows into a table keyed like the idempotency index.
        conn.execute(
            "CREATE TABLE bench_copy_keyed (account text NOT NULL, event_id text NOT NULL, "
            "at_micros bigint NOT NULL, credits bigint NOT NULL, PRIMARY KEY (account, event_id))"
        )
    columns = ["account", "event_id", "at_micros", "credits"]
    seconds = copy_rows(url, "bench_copy", columns, rows)
    seconds_py = copy_rows_pure_python(url, {"bench_copy": (columns, rows)})
    seconds_keyed = copy_rows(url, "bench_copy_keyed", columns, rows)
    return {"rows": len(rows), "seconds": seconds, "rows_per_s": len(rows) / seconds,
            "py_seconds": seconds_py, "py_rows_per_s": len(rows) / seconds_py,
            "keyed_rows_per_s": len(rows) / seconds_keyed,
            "method": "psycopg cursor.copy() text, write_row, 1 connection, best of 3, plain table without index; "
                      "run by psycopg's C implementation and, in a child process, by its pure-Python one"}


class Server:
    def __init__(self, name: str, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "BILLING_DATABASE_URL": db_url(name),
            "BILLING_ADMIN_TOKEN": ADMIN_TOKEN,
            "BILLING_AUTO_MIGRATE": "false",
            "BILLING_STORAGE_DIR": f"/tmp/{name}-docs",
        }
        self.proc = subprocess.Popen(
            [str(BIN / "uvicorn"), "billing.api:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited at start")
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def seed(base: str) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        r = client.post("/v1/admin/price-grids", json=GRID_2026_A)
        assert r.status_code in (200, 201), r.text
        for account in ACCOUNTS:
            r = client.post("/v1/admin/customers", json=customer(account))
            assert r.status_code == 201, r.text
            body = contract("2026-01-01")
            body["mandate"] = {**body["mandate"], "reference": f"RUM-{account.upper()}"}
            r = client.post(f"/v1/admin/customers/{account}/contract", json=body)
            assert r.status_code == 201, r.text


def post_all(base: str, bodies: list[bytes], connections: int) -> tuple[float, list[tuple[float, int]]]:
    """Post every body over ``connections`` threads; return the elapsed time and (done_at, events)."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))
    completions: list[tuple[float, int]] = []
    errors: list[str] = []

    def worker() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None or errors:
                    return
                r = client.post("/v1/usage", content=bodies[index])
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {r.text[:300]}")
                    return
                accepted = r.json()["accepted"]
                with lock:
                    completions.append((time.perf_counter(), accepted))

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"ingestion failed: {errors[0]}")
    return elapsed, [(t - started, n) for t, n in sorted(completions)]


def window_rates(completions: list[tuple[float, int]], window: int) -> tuple[float, float]:
    """Rate of the first ``window`` events and of the last ``window`` events (by completion time)."""
    total = sum(n for _, n in completions)
    cum, first_rate, last_rate = 0, 0.0, 0.0
    t_last_start, cum_last_start = 0.0, 0
    for t, n in completions:
        before = cum
        cum += n
        if not first_rate and cum >= window:
            first_rate = cum / t
        if before <= total - window:
            t_last_start, cum_last_start = t, cum
    end = completions[-1][0]
    last_rate = (total - cum_last_start) / (end - t_last_start) if end > t_last_start else 0.0
    return first_rate, last_rate


def projection_lag(name: str, timeout: float = 300) -> float:
    """Seconds, after the last response, until the read models have applied every stored event."""
    started = time.perf_counter()
    with psycopg.connect(db_url(name), autocommit=True) as conn:
        while time.perf_counter() - started < timeout:
            head = conn.execute("SELECT coalesce(max(notification_id), 0) FROM ledger_events").fetchone()
            pos = conn.execute("SELECT coalesce(max(position), 0) FROM projection_tracking").fetchone()
            if pos and head and pos[0] >= head[0]:
                return time.perf_counter() - started
            time.sleep(0.2)
    return float("nan")


def run_api(bodies: list[bytes], workers: int, events: int, large: bool) -> dict[str, Any]:
    name = create_database()
    try:
        migrate(name)
        server = Server(name, workers)
        try:
            seed(server.base)
            sampler = RssSampler(server.proc.pid)
            idle_rss = tree_rss_mb(server.proc.pid)
            sampler.start()
            elapsed, completions = post_all(server.base, bodies, CONNECTIONS)
            lag = projection_lag(name)
            peak = sampler.stop()
            accepted = sum(n for _, n in completions)
            result: dict[str, Any] = {
                "workers": workers, "connections": CONNECTIONS, "events": events, "accepted": accepted,
                "seconds": elapsed, "rows_per_s": accepted / elapsed, "peak_rss_mb": peak,
                "projection_lag_s": lag, "idle_rss_mb": idle_rss,
            }
            if large:
                first, last = window_rates(completions, 300_000)
                result.update(first_300k_rows_per_s=first, last_300k_rows_per_s=last,
                              last_vs_first=last / first if first else None)
            return result
        finally:
            server.stop()
    finally:
        drop_database(name)


def run(large: bool = False, workers: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    events = 3_000_000 if large else 300_000
    t0 = time.perf_counter()
    bodies = generate(events)
    print(f"[A] generated {events:,} events in {len(bodies)} bodies ({time.perf_counter() - t0:.1f} s)", flush=True)
    # The baseline copies the first 300,000 events (the API window the bar compares).
    base_bodies = bodies[: 300_000 // BATCH]
    name = create_database()
    try:
        copy = copy_baseline(name, base_bodies)
    finally:
        drop_database(name)
    print(f"[A] COPY baseline: {copy['rows_per_s']:,.0f} rows/s (psycopg C), "
          f"{copy['py_rows_per_s']:,.0f} rows/s (psycopg pure Python); into a table keyed like the "
          f"idempotency index: {copy['keyed_rows_per_s']:,.0f} rows/s (psycopg C)", flush=True)
    runs = []
    for w in workers:
        r = run_api(bodies, w, events, large and w == workers[0])
        r["ratio_vs_copy"] = r["rows_per_s"] / copy["rows_per_s"]
        r["ratio_vs_copy_py"] = r["rows_per_s"] / copy["py_rows_per_s"]
        print(f"[A] API {w} worker(s): {r['rows_per_s']:,.0f} rows/s, ratio {r['ratio_vs_copy']:.3f} (C) / "
              f"{r['ratio_vs_copy_py']:.3f} (pure Python), "
              f"peak RSS {r['peak_rss_mb']:.0f} MB, projection lag {r['projection_lag_s']:.1f} s", flush=True)
        runs.append(r)
        if large:
            break  # the large run is long: one worker only
    return {"events": events, "batch": BATCH, "copy": copy, "api": runs}
