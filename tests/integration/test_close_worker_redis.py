"""The month close on Redis with real ``dramatiq billing.worker`` processes, on PostgreSQL (§7).

The worker is SIGKILLed at random moments, over and over; the close must still end with one invoice
per account, numbered 1..N with no gap and no duplicate, each the invoice an uninterrupted close
would issue (the preview of the same data set). The worker runs on the real system clock, so the
data set lives in a month that has already ended (October 2026, issued 2026-11-02).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from sqlalchemy import select
from support.factories import GRID_2026_A

from billing.bootstrap import Container, bootstrap
from billing.commands.closing import CloseMonth
from billing.jobs import Jobs
from billing.persistence import tables as t
from billing.settings import Settings
from ledger.account import CustomerAccount
from ledger.clock import PARIS, FixedClock
from ledger.grid_catalogue import grid_from_dict

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
DRAMATIQ = ROOT / ".venv" / "bin" / "dramatiq"
MONTH, ISSUE_DATE = "2026-10", "2026-11-02"
ACCOUNTS = 1100  # CHUNK is 500: three chunks, so a kill can land between them
KILL_ACCOUNTS = 4000  # eight chunks: the close outlives several of the random kills


def reset_pg_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture
def redis_settings(pg_url: str, tmp_path: Path) -> Settings:
    reset_pg_schema(pg_url)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    db = 10 + int("".join(c for c in worker if c.isdigit()) or 0) % 6
    url = f"redis://127.0.0.1:6379/{db}"
    redis.Redis.from_url(url).flushdb()
    return Settings(database_url=pg_url, broker_url=url, admin_token="test-admin-token",
                    storage_dir=tmp_path / "documents")


@pytest.fixture
def redis_container(redis_settings: Settings) -> Iterator[Container]:
    clock = FixedClock(datetime(2026, 11, 26, 12, 0, tzinfo=PARIS))  # the worker's real "today"
    built = bootstrap(redis_settings, clock, migrate=True)
    built.start(projection=False)  # the close is sent to Redis, for the worker processes
    yield built
    built.close()
    redis.Redis.from_url(redis_settings.broker_url).flushdb()


class Worker:
    """One ``dramatiq billing.worker -p 1 -t 1`` process group, started and killed by its id."""

    def __init__(self, settings: Settings, log: Path) -> None:
        env = {**os.environ, "BILLING_DATABASE_URL": settings.database_url,
               "BILLING_BROKER_URL": settings.broker_url, "BILLING_AUTO_MIGRATE": "false"}
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [str(DRAMATIQ), "billing.worker", "-p", "1", "-t", "1"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.log.close()

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
            return
        self.log.close()


def seed(container: Container, count: int) -> list[str]:
    """``count`` accounts built as aggregates and saved at once, with October usage over their cap."""
    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    names = [f"client{i:05d}" for i in range(count)]
    aggregates = []
    for i, name in enumerate(names):
        c = CustomerAccount.register(
            account=name, legal_name=f"{name.upper()} SAS", siren="312456783", vat_number=None,
            vat_regime="standard", billing_email=f"factures@{name}.fr",
            address={"line1": "1 rue X", "postcode": "25000", "city": "Besançon", "country": "FR"},
        )
        start = date(2026, 10, 1) if i % 3 else date(2026, 10, 15)  # a third prorated
        c.sign_contract(plan="PRO" if i % 2 else "START", service_start=start,
                        installation_fee="800.00" if i % 5 == 0 else "0.00", freemium=(i % 50 == 49),
                        payment_method="transfer", mandate=None, plan_grid_version="2026-A")
        aggregates.append(c)
    container.ledger.save(*aggregates)
    container.projector.catch_up()
    events = [{"id": f"oct-{name}", "account": name, "at": "2026-10-20T10:00:00+02:00", "credits": 4000 + 37 * i}
              for i, name in enumerate(names)]
    container.usage.ingest(json.dumps({"events": events}).encode())
    container.projector.catch_up()
    return [n for i, n in enumerate(names) if i % 50 != 49]  # freemium accounts are never invoiced


def state(container: Container) -> dict[str, Any]:
    container.projector.catch_up()
    return container.closing.month_state(MONTH)


def wait_closed(container: Container, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while state(container)["status"] != "closed":
        assert time.monotonic() < deadline, f"{MONTH} not closed: {state(container)}"
        time.sleep(0.2)


def issued(container: Container) -> list[tuple[str, str, str]]:
    container.projector.catch_up()
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(t.invoices.c.number, t.invoices.c.account, t.invoices.c.total_ttc).where(t.invoices.c.month == MONTH)
        ).all()
    return [(n, a, f"{ttc:.2f}") for n, a, ttc in rows]


def assert_same_as_preview(container: Container, expected: dict[str, str], billable: list[str]) -> None:
    rows = issued(container)
    numbers = sorted(n for n, _, _ in rows)
    assert numbers == [f"FX-2026-{i:06d}" for i in range(1, len(billable) + 1)]  # no gap, no duplicate
    assert sorted(a for _, a, _ in rows) == billable  # one invoice per account
    assert {a: ttc for _, a, ttc in rows} == expected
    # numbered in account order, each the invoice the preview computed (document by document)
    assert [a for _, a, _ in sorted(rows)] == billable
    final = state(container)
    assert final["status"] == "closed" and final["invoices"] == len(billable)


def preview_totals(container: Container) -> dict[str, str]:
    return {i["account"]: i["total_ttc"] for i in container.closing.preview(CloseMonth.from_request(MONTH, ISSUE_DATE))}


def test_close_on_redis_with_a_real_worker(redis_container: Container, tmp_path: Path) -> None:
    billable = seed(redis_container, ACCOUNTS)
    expected = preview_totals(redis_container)
    assert sorted(expected) == billable
    worker = Worker(redis_container.settings, tmp_path / "worker.log")
    try:
        answer = redis_container.closing.request_close(CloseMonth.from_request(MONTH, ISSUE_DATE))
        assert answer["status"] in {"closing", "closed"} and answer["job"]
        wait_closed(redis_container, 60)
    finally:
        worker.stop()
    assert_same_as_preview(redis_container, expected, billable)
    # closing again issues nothing
    again = redis_container.closing.request_close(CloseMonth.from_request(MONTH, ISSUE_DATE))
    assert again["status"] == "closed"
    assert len(issued(redis_container)) == len(billable)


@pytest.mark.slow
def test_close_survives_workers_killed_at_random(redis_container: Container, tmp_path: Path) -> None:
    billable = seed(redis_container, KILL_ACCOUNTS)
    expected = preview_totals(redis_container)
    jobs: Jobs = redis_container.jobs
    rng = random.Random(20261126)
    requested = False
    progress: list[int] = []
    log = tmp_path / "workers.log"
    for _round in range(10):
        worker = Worker(redis_container.settings, log)
        try:
            if not requested:
                redis_container.closing.request_close(CloseMonth.from_request(MONTH, ISSUE_DATE))
                requested = True
            elif state(redis_container)["status"] == "closing":
                jobs.send_close(MONTH)  # the killed worker's message waits for Redis' requeue
            time.sleep(rng.uniform(0.05, 1.5))
        finally:
            worker.kill()
        # whatever the kill interrupted, what is issued is a prefix of the series with no gap
        numbers = sorted(n for n, _, _ in issued(redis_container))
        assert numbers == [f"FX-2026-{i:06d}" for i in range(1, len(numbers) + 1)]
        progress.append(len(numbers))
    worker = Worker(redis_container.settings, log)
    try:
        if state(redis_container)["status"] == "closing":
            jobs.send_close(MONTH)
        wait_closed(redis_container, 60)
    finally:
        worker.stop()
    assert_same_as_preview(redis_container, expected, billable)
    print("invoices issued after each kill:", progress)


# -- issue 17: lost close jobs are found by the workers' watchdog, nobody asks again -------------

STALL_SECONDS = 10  # BILLING_CLOSE_STALL_SECONDS of these workers: longer than a chunk, even loaded


class WatchedWorker(Worker):
    """A worker whose watchdog resends a close after STALL_SECONDS without progress."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.log_path = log
        os.environ["BILLING_CLOSE_STALL_SECONDS"] = str(STALL_SECONDS)
        try:
            super().__init__(settings, log)
        finally:
            del os.environ["BILLING_CLOSE_STALL_SECONDS"]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while b"is ready for action" not in self.log_path.read_bytes():
            assert self.process.poll() is None, self.log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)

    def resent(self) -> bool:
        return b"its job is sent again" in self.log_path.read_bytes()


@pytest.fixture
def live_container(redis_settings: Settings) -> Iterator[Container]:
    """On the system clock, as the workers: a close's times and the watchdog's agree."""
    built = bootstrap(redis_settings, migrate=True)
    built.start(projection=False)
    yield built
    built.close()
    redis.Redis.from_url(redis_settings.broker_url).flushdb()


def wait_progress(container: Container, at_least: int, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while (invoiced := len(issued(container))) < at_least:
        assert state(container)["status"] == "closing", state(container)
        assert time.monotonic() < deadline, f"no chunk issued: {state(container)}"
        time.sleep(0.1)
    return invoiced


def wait_chunk_stored(container: Container, after: int, timeout: float = 90) -> None:
    """Until the worker has saved a chunk: the ledger's head (one small query, nothing projected)
    passes ``after`` by more than a chunk's invoices. Projecting to count the invoices, as
    wait_progress does, took so long on loaded cores that the worker had issued every chunk."""
    deadline = time.monotonic() + timeout
    while container.projector.head() < after + 100:
        assert time.monotonic() < deadline, "no chunk stored"
        time.sleep(0.02)


def test_a_worker_killed_mid_close_is_resumed_by_the_watchdog_without_anyone_asking(
    live_container: Container, tmp_path: Path
) -> None:
    # Eight chunks of 500: the kill, sent once the first chunk is seen, lands with chunks still to
    # issue even on loaded cores (with three chunks the first worker sometimes finished them all).
    billable = seed(live_container, KILL_ACCOUNTS)
    expected = preview_totals(live_container)
    first = WatchedWorker(live_container.settings, tmp_path / "first.log")
    try:
        first.wait_ready()
        live_container.closing.request_close(CloseMonth.from_request(MONTH, ISSUE_DATE))
        wait_chunk_stored(live_container, after=live_container.projector.head())  # a chunk of 500 ...
    finally:
        first.kill()  # ... and the worker is SIGKILLed with the close's message unacknowledged
    left = state(live_container)
    assert left["status"] == "closing" and 0 < left["progress"]["invoiced"] < len(billable), left
    assert left["last_chunk_at"] is not None
    # Redis would hand the dead worker's message back only after its heartbeat timeout (60 s);
    # the new worker's watchdog sends the close again after STALL_SECONDS without progress.
    second = WatchedWorker(live_container.settings, tmp_path / "second.log")
    try:
        wait_closed(live_container, 90)
        assert second.resent(), (tmp_path / "second.log").read_text(errors="replace")
    finally:
        second.stop()
    assert_same_as_preview(live_container, expected, billable)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own on a free port, without persistence: a restart is empty."""

    def __init__(self, tmp_path: Path) -> None:
        self.port, self.dir = free_port(), tmp_path
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(redis.ConnectionError):
                if redis.Redis.from_url(self.url).ping():
                    return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def restart_empty(self) -> None:
        """Stop and start again with nothing kept. A worker still running may write new messages
        (its heartbeat, the render job of the chunk it is issuing) the moment the server is back, so
        what proves the restart lost everything is a key of the test's own set before it, and the
        message ids queued before it: none of them survives."""
        before = redis.Redis.from_url(self.url)
        before.set("restart-sentinel", "1")
        queued = {k: set(before.hkeys(k)) for k in before.keys(b"dramatiq:*.msgs")}
        self.stop()
        self.start()
        after = redis.Redis.from_url(self.url)
        assert not after.exists("restart-sentinel")
        for key, ids in queued.items():
            assert not ids & set(after.hkeys(key)), key


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()


def test_a_close_whose_messages_redis_lost_is_resumed_by_the_watchdog(
    pg_url: str, tmp_path: Path, private_redis: PrivateRedis
) -> None:
    reset_pg_schema(pg_url)
    settings = Settings(database_url=pg_url, broker_url=private_redis.url, admin_token="test-admin-token",
                        storage_dir=tmp_path / "documents")
    container = bootstrap(settings, migrate=True)
    container.start(projection=False)
    worker: WatchedWorker | None = None
    try:
        billable = seed(container, ACCOUNTS)
        expected = preview_totals(container)
        # No worker yet: the close's message waits in Redis, which restarts empty and loses it.
        answer = container.closing.request_close(CloseMonth.from_request(MONTH, ISSUE_DATE))
        assert answer["status"] == "closing" and answer["job"]
        private_redis.restart_empty()
        worker = WatchedWorker(settings, tmp_path / "worker.log")
        wait_progress(container, 1)  # only the watchdog can have sent it
        assert worker.resent()
        private_redis.restart_empty()  # and again while the close runs: its ack, its follow-ups lost
        wait_closed(container, 120)
        worker.stop()
        worker = None
        assert_same_as_preview(container, expected, billable)
    finally:
        if worker is not None:
            worker.stop()
        container.close()
