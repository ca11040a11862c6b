"""A real server killed with SIGKILL while batches are in flight loses no batch and halves none.

A client thread posts 40 batches of 1,000 distinct events to a real uvicorn process; the server
is SIGKILLed once about a third of them are acknowledged. Every batch is then found whole or not
at all in ``usage_keys`` (read straight from the database); after a restart the client posts
EVERYTHING again and the totals are exact. The server runs on the system clock, so the events are
stamped 15 October 2026 (after the 2026-02-10 service start, before today).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from support.factories import GRID_2026_A, contract, customer  # tests/ is on sys.path (rootdir conftest)

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
TOKEN = "crash-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
BATCHES = 40
PER_BATCH = 1_000
AT = "2026-10-15T10:00:00+02:00"  # Paris summer time: October 2026


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``uvicorn billing.api:app`` as a child process on a free port."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.workdir / f"server-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(VENV_BIN / "uvicorn"), "billing.api:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90  # a start on two loaded cores (imports, migrations) has taken over 30 s
        while True:
            assert self.process.poll() is None, (self.workdir / log.name).read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not become healthy"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server_env(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment of a fresh database on the backend, migrated with ``billing migrate``."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/billing.db"
    else:
        import psycopg

        url = request.getfixturevalue("pg_url")
        with psycopg.connect(url, autocommit=True) as conn:  # as tests/conftest.py's settings fixture
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLING_")}
    env.update(BILLING_DATABASE_URL=url, BILLING_ADMIN_TOKEN=TOKEN,
               BILLING_STORAGE_DIR=str(tmp_path / "documents"))
    done = subprocess.run([str(VENV_BIN / "billing"), "migrate"], cwd=REPO, env=env, capture_output=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return env


@pytest.fixture
def server(server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    running = Server(server_env, tmp_path)
    running.start()
    yield running
    running.stop()


def _batch(n: int) -> bytes:
    """Batch n: ids ``b{n:02d}-{i:04d}``; event i carries 1 + i % 5 credits: 200 x (1+2+3+4+5) = 3,000."""
    return json.dumps({"events": [
        {"id": f"b{n:02d}-{i:04d}", "account": "acme", "at": AT, "credits": 1 + i % 5}
        for i in range(PER_BATCH)
    ]}).encode()


def _rows_per_batch(database_url: str) -> dict[int, int]:
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT substr(event_id, 1, 3) AS prefix, COUNT(*) FROM usage_keys "
                "WHERE account = 'acme' GROUP BY substr(event_id, 1, 3)"
            )).all()
    finally:
        engine.dispose()
    return {int(prefix[1:]): int(count) for prefix, count in rows}


def _seed(url: str) -> None:
    with httpx.Client(base_url=url, headers=ADMIN, timeout=30) as http:
        for path, body in [("/v1/admin/price-grids", GRID_2026_A), ("/v1/admin/customers", customer("acme")),
                           ("/v1/admin/customers/acme/contract", contract("2026-02-10"))]:
            response = http.post(path, json=body)
            assert response.status_code == 201, response.text


def test_sigkill_mid_ingestion_stores_each_batch_whole_or_not_at_all_and_retries_make_totals_exact(
    server: Server, server_env: dict[str, str]
) -> None:
    _seed(server.url)
    bodies = [_batch(n) for n in range(BATCHES)]
    acknowledged: list[int] = []
    failed: list[int] = []
    killed = threading.Event()

    def post_all() -> None:
        with httpx.Client(base_url=server.url, headers={**ADMIN, "Content-Type": "application/json"},
                          timeout=30) as http:
            for n, body in enumerate(bodies):
                try:
                    response = http.post("/v1/usage", content=body)
                except httpx.HTTPError:
                    failed.append(n)
                    continue
                if response.status_code == 200:
                    assert response.json() == {"accepted": PER_BATCH, "duplicates": 0}, response.text
                    acknowledged.append(n)
                else:
                    failed.append(n)

    client = threading.Thread(target=post_all)
    client.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < BATCHES // 3:
        assert time.monotonic() < deadline and client.is_alive(), (acknowledged, failed)
        time.sleep(0.001)
    server.kill()
    killed.set()
    client.join(timeout=120)
    assert not client.is_alive()
    # The kill landed in the middle: some batches were acknowledged, some were not.
    assert 0 < len(acknowledged) < BATCHES, (acknowledged, failed)
    assert failed, "the kill came after every batch was acknowledged"

    # Every batch is stored whole or not at all, and every acknowledged batch is stored.
    stored = _rows_per_batch(server_env["BILLING_DATABASE_URL"])
    assert all(count in (0, PER_BATCH) for count in stored.values()), stored
    assert all(stored.get(n) == PER_BATCH for n in acknowledged), (acknowledged, stored)

    # Restart on the same database and retry EVERYTHING.
    server.start()
    accepted = duplicates = 0
    with httpx.Client(base_url=server.url, headers={**ADMIN, "Content-Type": "application/json"},
                      timeout=60) as http:
        for n, body in enumerate(bodies):
            response = http.post("/v1/usage", content=body)
            assert response.status_code == 200, response.text
            result = response.json()
            assert result["accepted"] + result["duplicates"] == PER_BATCH
            # A batch stored before the kill is all duplicates; one lost is accepted whole.
            expected = {"accepted": 0, "duplicates": PER_BATCH} if stored.get(n) == PER_BATCH \
                else {"accepted": PER_BATCH, "duplicates": 0}
            assert result == expected, (n, result)
            accepted += result["accepted"]
            duplicates += result["duplicates"]
        assert accepted + sum(stored.values()) == BATCHES * PER_BATCH
        # 40 batches x 3,000 credits = 120,000 credits, all in October 2026.
        usage = http.get("/v1/admin/customers/acme/usage", params={"month": "2026-10"})
        assert usage.status_code == 200, usage.text
        assert usage.json()["credits"] == 120_000
    final = _rows_per_batch(server_env["BILLING_DATABASE_URL"])
    assert final == {n: PER_BATCH for n in range(BATCHES)}
    assert sum(final.values()) == 40_000
