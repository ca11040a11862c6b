"""POST /v1/usage refuses bad input whole (API.md "Usage", "Errors", "Auth").

Every bad batch below carries one good event next to the bad one: a 4xx must store neither
(``usage_keys`` and the read model unchanged), and a 422 must name the offending event by index,
id and field. The clock is noon in Paris on 12 February 2026; the contract starts 10 February.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from support.factories import GRID_2026_A, contract, customer  # tests/ is on sys.path (rootdir conftest)

from billing.api.app import create_app
from billing.bootstrap import bootstrap
from billing.settings import Settings
from ledger.clock import FixedClock

ADMIN = {"Authorization": "Bearer test-admin-token"}  # tests/conftest.py ADMIN_TOKEN
GOOD = {"id": "good-1", "account": "acme", "at": "2026-02-11T10:00:00+01:00", "credits": 7}


def _seed(client: TestClient) -> None:
    assert client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ADMIN).status_code == 201
    assert client.post("/v1/admin/customers", json=customer("acme"), headers=ADMIN).status_code == 201
    response = client.post("/v1/admin/customers/acme/contract", json=contract("2026-02-10"), headers=ADMIN)
    assert response.status_code == 201, response.text


@pytest.fixture
def seeded(client: TestClient) -> TestClient:
    _seed(client)
    return client


def _keys(client: TestClient) -> int:
    with client.app.state.container.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(text("SELECT COUNT(*) FROM usage_keys")).scalar_one())


def _credits(client: TestClient, month: str = "2026-02") -> int:
    response = client.get("/v1/admin/customers/acme/usage", params={"month": month}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return int(response.json()["credits"])


def _assert_error_format(body: dict[str, Any]) -> dict[str, Any]:
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return dict(error)


def _bad(**fields: Any) -> dict[str, Any]:
    event = {"id": "bad-1", "account": "acme", "at": "2026-02-11T11:00:00+01:00", "credits": 5}
    for name, value in fields.items():
        if value is _MISSING:
            event.pop(name)
        else:
            event[name] = value
    return event


_MISSING = object()

# (case, bad event, the field the 422 must name)
INVALID_EVENTS = [
    ("unknown_account", _bad(account="nobody"), "account"),
    ("credits_zero", _bad(credits=0), "credits"),
    ("credits_negative", _bad(credits=-3), "credits"),
    ("credits_fractional", _bad(credits=1.5), "credits"),
    ("credits_above_1e9", _bad(credits=10**9 + 1), "credits"),
    ("credits_string", _bad(credits="5"), "credits"),
    ("credits_boolean", _bad(credits=True), "credits"),
    ("credits_missing", _bad(credits=_MISSING), "credits"),
    ("id_missing", _bad(id=_MISSING), "id"),
    ("id_empty", _bad(id=""), "id"),
    ("id_129_characters", _bad(id="x" * 129), "id"),
    ("id_not_a_string", _bad(id=42), "id"),
    ("instant_without_offset", _bad(at="2026-02-11T11:00:00"), "at"),
    ("instant_not_a_date", _bad(at="yesterday"), "at"),
    # Service starts 2026-02-10 00:00 Paris = 2026-02-09T23:00Z; one second earlier is refused.
    ("before_service_start", _bad(at="2026-02-09T23:59:59+01:00"), "at"),
    # Now is 12:00 Paris; 12:05:01 is more than 5 minutes ahead.
    ("more_than_5_minutes_ahead", _bad(at="2026-02-12T12:05:01+01:00"), "at"),
    ("far_future", _bad(at="2027-01-01T00:00:00+01:00"), "at"),
]


@pytest.mark.parametrize(("bad", "field"), [(e, f) for _, e, f in INVALID_EVENTS],
                         ids=[c for c, _, _ in INVALID_EVENTS])
def test_invalid_event_refuses_the_whole_batch_with_422_naming_it(
    seeded: TestClient, bad: dict[str, Any], field: str
) -> None:
    response = seeded.post("/v1/usage", json={"events": [GOOD, bad]}, headers=ADMIN)
    assert response.status_code == 422, response.text
    error = _assert_error_format(response.json())
    items = error["details"]["items"]
    # The bad event is index 1; the good one (index 0) is not blamed.
    assert any(p["index"] == 1 and p["field"] == field and p["id"] == bad.get("id") for p in items), items
    assert all(p["index"] == 1 for p in items), items
    # Nothing of the batch is stored, not even the good event.
    assert _keys(seeded) == 0
    assert _credits(seeded) == 0
    # The good event alone is accepted afterwards: the refusal left no trace.
    assert seeded.post("/v1/usage", json={"events": [GOOD]}, headers=ADMIN).json() == \
        {"accepted": 1, "duplicates": 0}


def test_boundary_values_are_accepted(seeded: TestClient) -> None:
    events = [
        # Exactly the service start: 2026-02-10 00:00 Paris.
        {"id": "start", "account": "acme", "at": "2026-02-10T00:00:00+01:00", "credits": 1},
        # Exactly 5 minutes ahead of noon Paris, written in UTC.
        {"id": "ahead", "account": "acme", "at": "2026-02-12T11:05:00+00:00", "credits": 2},
        # 10^9 credits, and a 128-character id.
        {"id": "y" * 128, "account": "acme", "at": "2026-02-11T10:00:00+01:00", "credits": 10**9},
    ]
    response = seeded.post("/v1/usage", json={"events": events}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 3, "duplicates": 0}
    assert _keys(seeded) == 3
    # 1 + 2 + 1,000,000,000
    assert _credits(seeded) == 1_000_000_003


def test_several_invalid_events_are_all_listed(seeded: TestClient) -> None:
    events = [GOOD, _bad(id="b1", credits=0), GOOD | {"id": "good-2"}, _bad(id="b3", at="2026-02-11T11:00:00")]
    response = seeded.post("/v1/usage", json={"events": events}, headers=ADMIN)
    assert response.status_code == 422, response.text
    error = _assert_error_format(response.json())
    assert "2 of 4" in error["message"], error  # two events of four, not a count of problems
    items = error["details"]["items"]
    assert {(p["index"], p["id"], p["field"]) for p in items} == {(1, "b1", "credits"), (3, "b3", "at")}
    assert _keys(seeded) == 0


def test_more_than_10000_events_is_422_and_stores_nothing(seeded: TestClient) -> None:
    events = [GOOD | {"id": f"e-{i}"} for i in range(10_001)]
    response = seeded.post("/v1/usage", json={"events": events}, headers=ADMIN)
    assert response.status_code == 422, response.text
    _assert_error_format(response.json())
    assert _keys(seeded) == 0
    # Exactly 10,000 is allowed: 10,000 x 7 = 70,000 credits.
    response = seeded.post("/v1/usage", json={"events": events[:10_000]}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 10_000, "duplicates": 0}
    assert _credits(seeded) == 70_000


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"events": [', b"", b"[]", b'{"events": "x"}', b'{"events": []}', b'{"events": [1]}'],
    ids=["malformed", "truncated", "empty_body", "array", "events_not_a_list", "no_events", "event_not_object"],
)
def test_body_that_is_not_a_usage_batch_is_422(seeded: TestClient, body: bytes) -> None:
    response = seeded.post("/v1/usage", content=body, headers={**ADMIN, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    _assert_error_format(response.json())
    assert _keys(seeded) == 0


@pytest.fixture
def small_limit_client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    """The app with a 4,096-byte request limit, on the test's database."""
    small = Settings(database_url=settings.database_url, admin_token=settings.admin_token,
                     storage_dir=settings.storage_dir, max_request_bytes=4_096)
    app = create_app(lambda: bootstrap(small, clock, migrate=True), background=False)
    with TestClient(app) as test_client:
        yield test_client


def test_body_over_the_size_limit_is_413_and_stores_nothing(small_limit_client: TestClient) -> None:
    client = small_limit_client
    _seed(client)
    # 100 events of ~90 bytes: ~9 kB > 4,096 bytes.
    events = [GOOD | {"id": f"e-{i:04d}"} for i in range(100)]
    response = client.post("/v1/usage", json={"events": events}, headers=ADMIN)
    assert response.status_code == 413, response.text
    _assert_error_format(response.json())
    assert _keys(client) == 0
    # Without a Content-Length (chunked), the limit holds while reading.
    import json

    payload = json.dumps({"events": events}).encode()
    chunks = iter([payload[i:i + 1000] for i in range(0, len(payload), 1000)])
    response = client.post("/v1/usage", content=chunks, headers={**ADMIN, "Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    _assert_error_format(response.json())
    assert _keys(client) == 0
    # Under the limit: 10 events pass.
    response = client.post("/v1/usage", json={"events": events[:10]}, headers=ADMIN)
    assert response.json() == {"accepted": 10, "duplicates": 0}


def _token(client: TestClient, role: str, account: str | None = None) -> dict[str, str]:
    body: dict[str, Any] = {"role": role} | ({"account": account} if account else {})
    response = client.post("/v1/admin/tokens", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_ingest_token_may_report_usage_customer_and_anonymous_may_not(seeded: TestClient) -> None:
    ingest = _token(seeded, "ingest")
    acme = _token(seeded, "customer", "acme")
    batch = {"events": [GOOD]}

    response = seeded.post("/v1/usage", json=batch)
    assert response.status_code == 401, response.text
    _assert_error_format(response.json())
    response = seeded.post("/v1/usage", json=batch, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401, response.text
    _assert_error_format(response.json())
    response = seeded.post("/v1/usage", json=batch, headers=acme)
    assert response.status_code == 403, response.text
    _assert_error_format(response.json())
    assert _keys(seeded) == 0

    response = seeded.post("/v1/usage", json=batch, headers=ingest)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert _keys(seeded) == 1
    assert _credits(seeded) == 7
    # The ingest token may not read the admin usage view.
    response = seeded.get("/v1/admin/customers/acme/usage", params={"month": "2026-02"}, headers=ingest)
    assert response.status_code == 403, response.text


def test_unknown_account_in_usage_view_is_404(seeded: TestClient) -> None:
    response = seeded.get("/v1/admin/customers/nobody/usage", params={"month": "2026-02"}, headers=ADMIN)
    assert response.status_code == 404, response.text
    _assert_error_format(response.json())
