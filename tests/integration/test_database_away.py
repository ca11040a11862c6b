"""Issue 17 item 5: the database away is a 503 with Retry-After, never a 500 (PostgreSQL, for real).

The test's own database (the pg_url fixture, one per run) is made unreachable mid-ingestion and
mid-close: `ALTER DATABASE … WITH ALLOW_CONNECTIONS false` plus `pg_terminate_backend` of its
backends, run from a connection to the server's `test` database, then `ALLOW_CONNECTIONS true`.
While it is away every answer is a 503 with Retry-After; afterwards the usage totals are exactly the
batches answered 200 (each 503 batch retried with its Idempotency-Key until it is answered 200),
and the invoice numbering is gapless.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from conftest import PG_SERVER_URL
from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get
from support.foundation_helpers import signed_up

import billing.services.closing as closing_module
from billing.bootstrap import Container
from billing.settings import Settings
from ledger.clock import FixedClock

pytestmark = pytest.mark.postgres


@pytest.fixture
def backend() -> str:
    return "postgres"  # making a database unreachable is a server's matter


@contextmanager
def unreachable(settings: Settings) -> Iterator[None]:
    """The test's database refuses connections and loses the ones it had, until the block ends."""
    name = settings.postgres["dbname"]
    with psycopg.connect(PG_SERVER_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


def assert_503(response: Any) -> None:
    assert response.status_code == 503, (response.status_code, response.text)
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["error"]["code"] == "unavailable"


def post_until_answered(client: TestClient, path: str, body: Any, key: str, timeout: float = 30) -> Any:
    """Retry as a client told Retry-After would: the same key and body until it is not a 503."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.post(path, json=body, headers={**ADMIN, "Idempotency-Key": key})
        assert response.status_code != 500, response.text
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def app_client(settings: Settings, clock: FixedClock) -> TestClient:
    from billing.api.app import create_app
    from billing.bootstrap import bootstrap

    return TestClient(create_app(lambda: bootstrap(settings, clock, migrate=True), background=False))


def test_ingestion_answers_503_while_the_database_is_away_and_loses_or_doubles_nothing(
    settings: Settings, clock: FixedClock
) -> None:
    with app_client(settings, clock) as client:
        container: Container = client.app.state.container  # type: ignore[attr-defined]
        signed_up(container, "acme")
        # 7 credits an event, 50 events a batch: 350 credits a batch.
        batches = [
            {"events": [{"id": f"b{b:03d}-{i:02d}", "account": "acme", "at": "2026-02-11T10:00:00+01:00",
                         "credits": 7} for i in range(50)]}
            for b in range(400)
        ]
        keys = [str(uuid.uuid4()) for _ in batches]
        answers: dict[int, int] = {}
        outage_started, outage_over, seen_503 = threading.Event(), threading.Event(), threading.Event()

        def outage() -> None:
            time.sleep(0.3)
            with unreachable(settings):
                outage_started.set()
                # Away until a batch has met it (a slow machine may hold one request the whole time),
                # or the test has ended: the database is never left away for the tests after this one.
                seen_503.wait(30)
                time.sleep(0.5)
            outage_over.set()

        cutter = threading.Thread(target=outage)
        cutter.start()
        during: list[int] = []
        try:
            for index, batch in enumerate(batches):
                response = client.post("/v1/usage", json=batch, headers={**ADMIN, "Idempotency-Key": keys[index]})
                assert response.status_code in (200, 503), (index, response.status_code, response.text)
                if response.status_code == 503:
                    assert_503(response)
                    seen_503.set()
                answers[index] = response.status_code
                if outage_started.is_set() and not outage_over.is_set():
                    during.append(response.status_code)
                if outage_over.is_set() and index > 20:
                    break
        finally:
            seen_503.set()  # a failed assertion above ends the outage now, not 30 s into the next test
            cutter.join()
        assert seen_503.is_set() and 503 in during  # the outage was met, and answered 503, never 500
        # Afterwards: each batch answered 503 retried with its key until answered 200.
        for index, status in list(answers.items()):
            if status == 503:
                again = post_until_answered(client, "/v1/usage", batches[index], keys[index])
                if again.status_code == 409:
                    # Committed just before the database went, its answer lost (billing/api/idempotency.py):
                    # recorded once, and said so, never recorded twice.
                    assert again.json()["error"]["code"] in {"idempotency_key_answer_lost",
                                                             "idempotency_key_in_progress"}, again.text
                else:
                    assert again.status_code == 200, again.text
                answers[index] = 200
        # Every batch sent is recorded now, and counted once: 350 credits a batch.
        sent = len(answers)
        usage = get(client, "/v1/admin/customers/acme/usage?month=2026-02")
        assert usage["credits"] == 350 * sent, (usage, sent)


def test_a_close_cut_by_the_database_resumes_with_gapless_numbers_and_503_meanwhile(
    settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(closing_module, "CHUNK", 5)  # 60 accounts in 12 chunks: the cut lands mid-close
    accounts = [f"c{i:03d}" for i in range(60)]
    with app_client(settings, clock) as client:
        container: Container = client.app.state.container  # type: ignore[attr-defined]
        signed_up(container, *accounts)
        at(clock, "2026-03-02")
        key = str(uuid.uuid4())
        started = post_until_answered(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, key)
        assert started.status_code == 202, started.text
        with unreachable(settings):
            # The month's state (read models), the close (event store): each a 503, the whole outage.
            assert_503(client.get("/v1/admin/months/2026-02", headers=ADMIN))
            assert_503(client.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-02"},
                                   headers={**ADMIN, "Idempotency-Key": str(uuid.uuid4())}))
        # Back: the close finishes (the job's retry, or a new request resuming a failed close).
        deadline = time.monotonic() + 120
        while True:
            response = client.get("/v1/admin/months/2026-02", headers=ADMIN)
            assert response.status_code in (200, 503), response.text
            state = response.json() if response.status_code == 200 else {"status": "unknown"}
            if state["status"] == "closed":
                break
            if state["status"] == "failed":
                again = post_until_answered(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"},
                                            str(uuid.uuid4()))
                assert again.status_code == 202, again.text
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
        assert state["invoices"] == 60
        numbers = sorted(i["number"] for i in get(client, "/v1/admin/invoices?month=2026-02")["invoices"])
        assert numbers == [f"FX-2026-{n:06d}" for n in range(1, 61)]  # gapless, no duplicate


def test_an_answer_sent_before_the_database_went_is_not_turned_into_an_error(
    settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away (for real) between a batch's answer and the keeping of its replay:
    the client has its 200, the batch is recorded once, and a retry with the key is a 409, never a
    second recording. Before, the middleware raised after the answer: a broken response."""
    from billing.persistence.idempotency import IdempotencyStore

    keep = IdempotencyStore.complete

    def complete_after_an_outage(self: IdempotencyStore, *args: Any) -> None:
        with unreachable(settings):
            keep(self, *args)

    with app_client(settings, clock) as client:
        container: Container = client.app.state.container  # type: ignore[attr-defined]
        signed_up(container, "acme")
        batch = {"events": [{"id": "late-1", "account": "acme", "at": "2026-02-11T10:00:00+01:00", "credits": 7}]}
        key = str(uuid.uuid4())
        monkeypatch.setattr(IdempotencyStore, "complete", complete_after_an_outage)
        response = client.post("/v1/usage", json=batch, headers={**ADMIN, "Idempotency-Key": key})
        assert response.status_code == 200, response.text
        monkeypatch.setattr(IdempotencyStore, "complete", keep)
        again = post_until_answered(client, "/v1/usage", batch, key)
        assert again.status_code == 409, again.text
        deadline = time.monotonic() + 30
        while (usage := client.get("/v1/admin/customers/acme/usage?month=2026-02", headers=ADMIN)).status_code == 503:
            assert time.monotonic() < deadline, usage.text  # a pooled connection the outage cut: retried
            time.sleep(0.1)
        assert usage.json()["credits"] == 7, usage.text  # recorded once
