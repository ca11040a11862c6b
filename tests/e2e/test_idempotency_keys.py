"""Retries never double count (API.md "Retries"): Idempotency-Key on every POST, payment references."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, close_february, get, post
from support.http_helpers import setup_customer, token

from ledger.clock import FixedClock


def keyed(key: str, headers: dict[str, str] = ADMIN) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def stored_events(client: TestClient) -> int:
    return int(client.app.state.container.ledger.recorder.max_notification_id() or 0)  # type: ignore[attr-defined]


def invoice_of_february(client: TestClient, clock: FixedClock) -> dict[str, Any]:
    setup_customer(client)
    close_february(client, clock)
    return dict(get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0])


def test_the_same_payment_posted_seven_times_with_one_key_is_recorded_once(
    client: TestClient, clock: FixedClock
) -> None:
    invoice = invoice_of_february(client, clock)
    body = {"invoice": invoice["number"], "amount": "100.00", "received_on": "2026-03-05", "method": "transfer",
            "reference": "VIR-1"}
    first = client.post("/v1/admin/customers/acme/payments", json=body, headers=keyed("pay-1"))
    assert first.status_code == 201, first.text
    events = stored_events(client)
    for _ in range(6):
        again = client.post("/v1/admin/customers/acme/payments", json=body, headers=keyed("pay-1"))
        assert (again.status_code, again.json()) == (201, first.json())
        assert again.headers["idempotent-replayed"] == "true"
    assert stored_events(client) == events
    # 7 posts, one payment of 100.00.
    assert get(client, f"/v1/invoices/{invoice['number']}")["payment_status"] == "partial"
    with client.app.state.container.engine.connect() as conn:  # type: ignore[attr-defined]
        from sqlalchemy import func, select

        from billing.persistence import tables as t

        assert conn.execute(select(func.count()).select_from(t.payments)).scalar_one() == 1


def test_the_same_key_with_another_body_is_a_409_and_changes_nothing(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    at(clock, "2026-02-20")
    path = "/v1/admin/customers/acme/interventions"
    body = {"on": "2026-02-12", "hours": "1.5", "description": "export"}
    assert client.post(path, json=body, headers=keyed("int-1")).status_code == 201
    events = stored_events(client)
    other = client.post(path, json={**body, "hours": "2.5"}, headers=keyed("int-1"))
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    # The same body on another path with that key is another request too.
    assert client.post("/v1/admin/customers/acme/support-hours", json=body, headers=keyed("int-1")).status_code == 409
    assert stored_events(client) == events
    # Three retries of the intervention: billed once.
    for _ in range(3):
        assert client.post(path, json=body, headers=keyed("int-1")).status_code == 201
    assert stored_events(client) == events


def test_a_key_is_kept_thirty_days(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    path = "/v1/admin/customers/acme/interventions"
    body = {"on": "2026-02-12", "hours": "1.5", "description": "export"}
    assert client.post(path, json=body, headers=keyed("k")).status_code == 201
    events = stored_events(client)
    clock.set(clock.now() + timedelta(days=30) - timedelta(minutes=1))
    assert client.post(path, json=body, headers=keyed("k")).headers.get("idempotent-replayed") == "true"
    assert stored_events(client) == events
    clock.set(clock.now() + timedelta(minutes=2))  # 30 days and a minute: the key is forgotten
    assert client.post(path, json=body, headers=keyed("k")).status_code == 201
    assert stored_events(client) == events + 1


def test_a_refusal_is_replayed_too_and_keys_are_per_token(client: TestClient) -> None:
    setup_customer(client)
    path = "/v1/admin/customers/acme/interventions"
    bad = {"on": "2026-02-12", "hours": "1e3", "description": "export"}
    first = client.post(path, json=bad, headers=keyed("bad"))
    assert first.status_code == 422
    assert client.post(path, json=bad, headers=keyed("bad")).json() == first.json()
    # Another admin token with the same key is another caller: its own request runs.
    other_admin = token(client, "admin")
    good = {"on": "2026-02-12", "hours": "1.5", "description": "export"}
    assert client.post(path, json=good, headers=keyed("bad", other_admin)).status_code == 201


def test_a_malformed_key_is_a_422_and_an_unauthenticated_request_does_not_take_a_key(client: TestClient) -> None:
    setup_customer(client)
    path = "/v1/admin/customers/acme/interventions"
    body = {"on": "2026-02-12", "hours": "1.5", "description": "export"}
    events = stored_events(client)
    for key in ("", "x" * 256, "caf\u00e9", "tab\there"):
        response = client.post(path, json=body, headers={**ADMIN, "Idempotency-Key": key.encode("utf-8")})  # type: ignore[dict-item]
        assert response.status_code == 422, (key, response.text)
        error = response.json()["error"]
        assert error["details"] == {"field": "Idempotency-Key",
                                    "fields": [{"field": "Idempotency-Key", "message": error["message"]}]}
    assert client.post(path, json=body, headers={"Idempotency-Key": "k1"}).status_code == 401
    assert client.post(path, json=body, headers=keyed("k1")).status_code == 201
    assert stored_events(client) == events + 1


def test_a_payment_reference_already_recorded_for_the_account_is_a_409(client: TestClient, clock: FixedClock) -> None:
    invoice = invoice_of_february(client, clock)
    body = {"invoice": invoice["number"], "amount": "100.00", "received_on": "2026-03-05", "method": "transfer",
            "reference": "VIR-2026-0001"}
    post(client, "/v1/admin/customers/acme/payments", body)
    events = stored_events(client)
    again = client.post("/v1/admin/customers/acme/payments", json={**body, "amount": "50.00"}, headers=ADMIN)
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["details"] == {"field": "reference", "fields": [{"field": "reference", "message": error["message"]}]}
    assert stored_events(client) == events
    # Payments without a reference are not compared (a cheque may have none).
    post(client, "/v1/admin/customers/acme/payments", {**body, "reference": ""})
    post(client, "/v1/admin/customers/acme/payments", {**body, "reference": ""})


def test_a_usage_batch_retried_with_its_key_replays_the_first_answer(client: TestClient) -> None:
    setup_customer(client)
    batch = {"events": [{"id": "u1", "account": "acme", "at": "2026-02-11T10:00:00+01:00", "credits": 7}]}
    first = client.post("/v1/usage", json=batch, headers=keyed("usage-1"))
    assert first.json() == {"accepted": 1, "duplicates": 0}
    events = stored_events(client)
    again = client.post("/v1/usage", json=batch, headers=keyed("usage-1"))
    # The first answer again (not {"accepted": 0, "duplicates": 1}), and nothing stored.
    assert again.json() == {"accepted": 1, "duplicates": 0}
    assert stored_events(client) == events
