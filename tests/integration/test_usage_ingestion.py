"""Usage ingestion against real SQLite and PostgreSQL databases (API.md "Usage", BILLING_RULES §2, §7).

Idempotency under concurrency: the same batch posted by 8 clients at once is stored once, its keys
land in ``usage_keys`` exactly once, and the read model counts its credits once. Late usage (§7):
usage stamped in a closed month is booked in the first open month and shown there with its origin.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from support.api_helpers import ADMIN, close_february, post  # tests/ is on sys.path (rootdir conftest)
from support.factories import GRID_2026_A, contract, customer

from ledger.clock import FixedClock

CLIENTS = 8
BATCH = 2_000


def _seed(client: TestClient, account: str = "acme") -> None:
    """Grid 2026-A, customer ``account`` and a PRO contract starting 2026-02-10, over HTTP."""
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer(account))
    post(client, f"/v1/admin/customers/{account}/contract", contract("2026-02-10"))


def _events(start: int, stop: int, *, at: str = "2026-02-11T10:00:00+01:00", account: str = "acme",
            prefix: str = "evt") -> list[dict[str, Any]]:
    """Events ``prefix-000start`` .. ``stop-1``; event i carries 1 + i % 10 credits."""
    return [{"id": f"{prefix}-{i:06d}", "account": account, "at": at, "credits": 1 + i % 10}
            for i in range(start, stop)]


def _key_count(client: TestClient) -> int:
    engine = client.app.state.container.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM usage_keys")).scalar_one())


def _usage(client: TestClient, month: str, account: str = "acme") -> dict[str, Any]:
    response = client.get(f"/v1/admin/customers/{account}/usage", params={"month": month}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_same_batch_from_eight_concurrent_clients_is_stored_exactly_once(client: TestClient) -> None:
    _seed(client)
    container = client.app.state.container  # type: ignore[attr-defined]
    events = _events(0, BATCH)
    body = json.dumps({"events": events}).encode()
    barrier = threading.Barrier(CLIENTS)
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def post(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            if n % 2 == 0:  # half through the HTTP app, half straight into the service
                response = client.post("/v1/usage", content=body, headers={**ADMIN, "Content-Type": "application/json"})
                assert response.status_code == 200, response.text
                outcome = (response.json()["accepted"], response.json()["duplicates"])
            else:
                result = container.usage.ingest(body)
                outcome = (result.accepted, result.duplicates)
            with lock:
                results.append(outcome)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == CLIENTS
    # Exactly once: 2,000 accepted in total, the other 7 posts see 7 x 2,000 = 14,000 duplicates.
    assert sum(a for a, _ in results) == BATCH
    assert sum(d for _, d in results) == (CLIENTS - 1) * BATCH
    assert all(a + d == BATCH for a, d in results)
    assert _key_count(client) == BATCH
    # Credits 1..10 repeat 200 times: 200 x 55 = 11,000, all stamped 11 Feb 2026 (Paris).
    usage = _usage(client, "2026-02")
    assert usage["credits"] == 11_000
    assert usage["late_usage"] == []
    # The cap for February: 40,000 x 19/28 days (10-28 Feb) = 27,142.86 -> 27,143.
    assert usage["cap"] == 27_143


def test_repeated_id_with_other_content_is_a_conflict_and_stores_nothing(client: TestClient) -> None:
    _seed(client)
    assert client.post("/v1/usage", json={"events": _events(0, 10)}, headers=ADMIN).json() == \
        {"accepted": 10, "duplicates": 0}
    # Events 0..9: credits 1..10 = 55.
    assert _usage(client, "2026-02")["credits"] == 55
    clash = _events(3, 4)[0] | {"credits": 999}  # evt-000003 was recorded with 4 credits
    batch = [*_events(10, 20), clash]
    response = client.post("/v1/usage", json={"events": batch}, headers=ADMIN)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert {"account": "acme", "id": "evt-000003"} in error["details"]["items"]
    # Nothing of the batch: neither the 10 new ids nor the clash.
    assert _key_count(client) == 10
    assert _usage(client, "2026-02")["credits"] == 55
    # The same id with another instant is other content too.
    moved = _events(3, 4)[0] | {"at": "2026-02-11T11:00:00+01:00"}
    response = client.post("/v1/usage", json={"events": [moved]}, headers=ADMIN)
    assert response.status_code == 409, response.text
    assert _key_count(client) == 10


def test_same_id_twice_in_one_batch_with_other_content_is_a_conflict(client: TestClient) -> None:
    _seed(client)
    first = _events(0, 1)[0]
    batch = [*_events(1, 5), first, first | {"credits": 2}]
    response = client.post("/v1/usage", json={"events": batch}, headers=ADMIN)
    assert response.status_code == 409, response.text
    assert _key_count(client) == 0
    # The same id twice with the same content: stored once, counted once as a duplicate.
    response = client.post("/v1/usage", json={"events": [first, first]}, headers=ADMIN)
    assert response.json() == {"accepted": 1, "duplicates": 1}
    assert _key_count(client) == 1
    assert _usage(client, "2026-02")["credits"] == 1


def test_batch_mixing_new_and_recorded_ids_accepts_only_the_new(client: TestClient) -> None:
    _seed(client)
    response = client.post("/v1/usage", json={"events": _events(0, 1_000)}, headers=ADMIN)
    assert response.json() == {"accepted": 1_000, "duplicates": 0}
    # 300 repeats (ids 700..999) and 500 new ids (1000..1499).
    mixed = _events(700, 1_000) + _events(1_000, 1_500)
    response = client.post("/v1/usage", json={"events": mixed}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 500, "duplicates": 300}
    assert _key_count(client) == 1_500
    # 1,500 events = 150 rounds of credits 1..10 = 150 x 55 = 8,250.
    assert _usage(client, "2026-02")["credits"] == 8_250


def test_same_id_on_two_accounts_is_two_events(client: TestClient) -> None:
    _seed(client, "acme")
    response = client.post("/v1/admin/customers", json=customer("bolt"), headers=ADMIN)
    assert response.status_code == 201, response.text
    response = client.post("/v1/admin/customers/bolt/contract", json=contract("2026-02-10"), headers=ADMIN)
    assert response.status_code == 201, response.text
    batch = _events(0, 5) + _events(0, 5, account="bolt")
    assert client.post("/v1/usage", json={"events": batch}, headers=ADMIN).json() == \
        {"accepted": 10, "duplicates": 0}
    assert _key_count(client) == 10
    # Each account: credits 1..5 = 15.
    assert _usage(client, "2026-02", "acme")["credits"] == 15
    assert _usage(client, "2026-02", "bolt")["credits"] == 15


def test_usage_stamped_in_a_closed_month_is_booked_as_late_usage_in_the_first_open_month(
    client: TestClient, clock: FixedClock
) -> None:
    _seed(client)
    # February before the close: 100 events, credits 1..10 x 10 = 550.
    assert client.post("/v1/usage", json={"events": _events(0, 100)}, headers=ADMIN).json() == \
        {"accepted": 100, "duplicates": 0}
    close_february(client, clock)
    february = _usage(client, "2026-02")
    assert february["credits"] == 550

    # Late: 20 events stamped 20 Feb 2026 (ids 100..119: credits 1..10 twice = 110) ...
    late = _events(100, 120, at="2026-02-20T09:00:00+01:00")
    # ... and one stamped 28 Feb 23:30 Paris = 22:30 UTC, still February in Paris (§2): 1 + 120 % 10 = 1.
    late += _events(120, 121, at="2026-02-28T22:30:00+00:00")
    # March usage: 10 events on 1 March, credits 1..10 = 55.
    march = _events(0, 10, at="2026-03-01T10:00:00+01:00", prefix="mar")
    response = client.post("/v1/usage", json={"events": late + march}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 31, "duplicates": 0}

    # March books its own 55 and the late 110 + 1 = 111: 166.
    usage = _usage(client, "2026-03")
    assert usage["credits"] == 166
    assert usage["late_usage"] == [{"origin_month": "2026-02", "credits": 111}]
    # February, already invoiced, does not change.
    february_after = _usage(client, "2026-02")
    assert february_after["credits"] == 550
    assert february_after["late_usage"] == []
    # Posting the late events again is a pure duplicate and books nothing more.
    response = client.post("/v1/usage", json={"events": late}, headers=ADMIN)
    assert response.json() == {"accepted": 0, "duplicates": 21}
    assert _usage(client, "2026-03")["credits"] == 166
    assert _key_count(client) == 100 + 21 + 10


@pytest.mark.parametrize("clients", [4])
def test_concurrent_distinct_batches_are_all_stored(client: TestClient, clients: int) -> None:
    """Disjoint batches at once all land: no batch is lost to another's retry."""
    _seed(client)
    container = client.app.state.container  # type: ignore[attr-defined]
    bodies = [json.dumps({"events": _events(n * 500, (n + 1) * 500)}).encode() for n in range(clients)]
    barrier = threading.Barrier(clients)
    results: list[int] = []
    errors: list[BaseException] = []

    def post(body: bytes) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(container.usage.ingest(body).accepted)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [500] * clients
    assert _key_count(client) == 500 * clients
    # 2,000 events = 200 x 55 = 11,000.
    assert _usage(client, "2026-02")["credits"] == 11_000
