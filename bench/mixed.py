"""H. A mixed load through the API: ingestion, customers downloading, admin queries, and a close with
its rendering, at once; throughput and p50/p99 per endpoint, zero errors expected.

Seeded in-process beforehand (not timed): the accounts, October's usage, October closed and its PDFs
stored. Then a real server (``uvicorn billing.api:app`` on loopback, PostgreSQL, the in-process worker)
takes, for ``seconds`` (300 by default, ``--mixed-seconds``):
- ingestion: one client posting bodies of 5,000 December events, one every half second at most;
- customers: four clients, each with a customer token of its own account, reading the invoice list,
  an October PDF and the October archive in turn;
- finance: one client reading the receivables and the month's invoice list in turn;
- the November close, requested two seconds in, and the rendering of its 10,000 PDFs that follows.
Every client is closed-loop (its next request after the answer): the load is bounded, loopback only.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.close import seed
from bench.common import create_database, db_url, drop_database, migrate
from bench.ingest import ADMIN_TOKEN, Server
from billing.bootstrap import bootstrap
from billing.commands.closing import CloseMonth
from billing.settings import Settings
from ledger.clock import PARIS, FixedClock

CUSTOMERS = 4
INGEST_BODY = 5_000
INGEST_PAUSE_S = 0.5
ENDPOINTS = ("usage", "invoice_list", "pdf", "archive", "receivables", "admin_invoices", "close")
CUSTOMER_ENDPOINTS = ("invoice_list", "pdf", "archive")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _prepare(name: str, accounts: int) -> None:
    settings = Settings.model_validate({
        "database_url": db_url(name), "auto_migrate": False, "storage_dir": f"/tmp/{name}-docs",
        "seller_vat_number": "FR94820015006",
    })
    container = bootstrap(settings, FixedClock(datetime(2026, 11, 26, 11, 0, tzinfo=PARIS)), migrate=False)
    try:
        seed(container, accounts)
        state = container.closing.request_close(CloseMonth.from_request("2026-10", "2026-11-02"))
        while state["status"] != "closed":
            container.closing.run_close("2026-10")
            state = container.closing.month_state("2026-10")
        container.projector.catch_up()
        container.documents.render_pending()
    finally:
        container.close()


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {e: [] for e in ENDPOINTS}
        self.errors: list[str] = []

    def timed(self, endpoint: str, send: Any) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            response: httpx.Response = send()
        except httpx.HTTPError as exc:
            with self.lock:
                self.errors.append(f"{endpoint}: {exc!r}")
            return None
        elapsed = time.perf_counter() - t0
        with self.lock:
            self.latencies[endpoint].append(elapsed)
            if response.status_code >= 400:
                self.errors.append(f"{endpoint}: {response.status_code} {response.text[:200]}")
        return response


def _usage_bodies(accounts: list[str], count: int) -> list[bytes]:
    rng = random.Random(5)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    bodies = []
    for b in range(count):
        events = [{"id": f"m{b:05d}-{i:05d}", "account": rng.choice(accounts),
                   "at": (start + timedelta(seconds=rng.randrange(3 * 86400))).isoformat(), "credits": 1}
                  for i in range(INGEST_BODY)]
        bodies.append(json.dumps({"events": events}).encode())
    return bodies


def run(accounts: int = 10_000, seconds: float = 300.0) -> dict[str, Any]:
    name = create_database()
    saved_env = dict(os.environ)
    try:
        migrate(name)
        t0 = time.perf_counter()
        _prepare(name, accounts)
        print(f"[H] prepared {accounts:,} accounts, October closed and rendered, in {time.perf_counter() - t0:.1f} s",
              flush=True)
        codes = [f"bench{i:05d}" for i in range(1, accounts + 1)]
        os.environ["BILLING_SELLER_VAT_NUMBER"] = os.environ.get("BILLING_SELLER_VAT_NUMBER", "FR94820015006")
        server = Server(name, 1)
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        rec = Recorder()
        stop = threading.Event()
        bodies = _usage_bodies(codes, max(4, int(seconds / INGEST_PAUSE_S) + 2))
        try:
            with httpx.Client(base_url=server.base, headers=admin, timeout=120) as setup:
                tokens = {}
                for code in random.Random(3).sample(codes, CUSTOMERS):
                    r = setup.post("/v1/admin/tokens", json={"role": "customer", "account": code})
                    assert r.status_code == 201, r.text
                    tokens[code] = r.json()["token"]

            def ingest() -> None:
                with httpx.Client(base_url=server.base, headers=admin, timeout=120) as client:
                    for body in bodies:
                        if stop.is_set():
                            return
                        t = time.perf_counter()
                        rec.timed("usage", lambda b=body: client.post(
                            "/v1/usage", content=b, headers={"Content-Type": "application/json"}))
                        stop.wait(max(0.0, INGEST_PAUSE_S - (time.perf_counter() - t)))

            def customer(code: str, token: str) -> None:
                with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"},
                                  timeout=120) as client:
                    number = None
                    while not stop.is_set():
                        r = rec.timed("invoice_list", lambda: client.get(f"/v1/customers/{code}/invoices"))
                        if r is not None and r.status_code == 200 and number is None:
                            found = [i["number"] for i in r.json()["invoices"] if i["month"] == "2026-10"]
                            number = found[0] if found else None
                        if number:
                            rec.timed("pdf", lambda n=number: client.get(f"/v1/invoices/{n}.pdf"))
                        rec.timed("archive", lambda: client.get(
                            f"/v1/customers/{code}/invoices/archive.zip", params={"from": "2026-10", "to": "2026-10"}))

            def finance() -> None:
                with httpx.Client(base_url=server.base, headers=admin, timeout=120) as client:
                    while not stop.is_set():
                        rec.timed("receivables", lambda: client.get("/v1/admin/receivables"))
                        rec.timed("admin_invoices", lambda: client.get("/v1/admin/invoices", params={
                            "month": "2026-10", "account": codes[0]}))

            def close() -> None:
                if stop.wait(2.0):
                    return
                with httpx.Client(base_url=server.base, headers=admin, timeout=120) as client:
                    rec.timed("close", lambda: client.post("/v1/admin/months/2026-11/close",
                                                           json={"issue_date": "2026-12-02"}))

            threads = [threading.Thread(target=ingest), threading.Thread(target=finance),
                       threading.Thread(target=close)]
            threads += [threading.Thread(target=customer, args=item) for item in tokens.items()]
            started = time.perf_counter()
            for th in threads:
                th.start()
            stop.wait(seconds)
            stop.set()
            for th in threads:
                th.join()
            elapsed = time.perf_counter() - started
            with httpx.Client(base_url=server.base, headers=admin, timeout=120) as client:
                november = client.get("/v1/admin/months/2026-11").json()
        finally:
            server.stop()
        per_endpoint = {
            e: {"requests": len(v), "per_s": len(v) / elapsed, "p50_ms": 1000 * _percentile(v, 0.50),
                "p99_ms": 1000 * _percentile(v, 0.99), "max_ms": 1000 * max(v, default=float("nan"))}
            for e, v in rec.latencies.items()
        }
        events = len(rec.latencies["usage"]) * INGEST_BODY
        print(f"[H] {elapsed:.0f} s: {json.dumps(per_endpoint)}; errors {len(rec.errors)}", flush=True)
        return {"accounts": accounts, "seconds": elapsed, "endpoints": per_endpoint, "errors": len(rec.errors),
                "first_errors": rec.errors[:10], "events_ingested": events, "events_per_s": events / elapsed,
                "november": november}
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        drop_database(name)


def verdicts(c: dict[str, Any], bars: dict[str, Any]) -> list[tuple[str, str, str, bool, bool]]:
    rows: list[tuple[str, str, str, bool, bool]] = []
    rows.append((f"H mixed load, {c['seconds']:.0f} s: errors", f"{c['errors']}", "0", c["errors"] == 0, True))
    for e in CUSTOMER_ENDPOINTS:
        r = c["endpoints"][e]
        rows.append((f"H {e} p99 under a close and its rendering",
                     f"{r['p99_ms']:.0f} ms (p50 {r['p50_ms']:.0f} ms, {r['requests']} requests)",
                     f"<= {bars['mixed_p99_ms']} ms", r["p99_ms"] <= bars["mixed_p99_ms"], True))
    r = c["endpoints"]["receivables"]
    rows.append((f"H receivables of {c['accounts']:,} invoices, p50 under the same load",
                 f"{r['p50_ms']:.0f} ms (p99 {r['p99_ms']:.0f} ms)", f"<= {bars['receivables_ms']} ms",
                 r["p50_ms"] <= bars["receivables_ms"], True))
    return rows


def summary(c: dict[str, Any]) -> list[str]:
    out = ["## H. Mixed load", "",
           f"{c['seconds']:.0f} s on {c['accounts']:,} accounts: {c['events_ingested']:,} usage events ingested "
           f"({c['events_per_s']:,.0f}/s, bounded), November closed during the load "
           f"(status at the end: {c['november'].get('status')}); {c['errors']} errors.", "",
           "| endpoint | requests | per s | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|---|"]
    for e, r in c["endpoints"].items():
        out.append(f"| {e} | {r['requests']} | {r['per_s']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | "
                   f"{r['max_ms']:.0f} |")
    if c["first_errors"]:
        out += ["", "First errors:", *[f"- {e}" for e in c["first_errors"]]]
    out.append("")
    return out
