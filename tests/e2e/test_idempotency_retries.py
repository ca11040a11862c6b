"""Retries (API.md "Retries"): issue 17 item 7a and issue 19 item 5, on SQLite and PostgreSQL.

- No stored replay holds a secret: after `POST /v1/admin/tokens` with a key, no table of the
  database holds the new token in clear; a retry with the same key is a 409 naming the token's id.
- An empty or blank `Idempotency-Key` is a 422 naming the header, and nothing is recorded.
- Bodies are compared as JSON values: the same body with its keys in another order or other
  whitespace is the same request (replayed), another value is still a 409.
"""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select
from support.api_helpers import ADMIN
from support.http_helpers import setup_customer

from billing.bootstrap import Container
from ledger.account import CustomerAccount


def keyed(key: str, content_type: str = "application/json") -> dict[str, str]:
    return {**ADMIN, "Idempotency-Key": key, "Content-Type": content_type}


def container_of(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined,no-any-return]


def stored_events(client: TestClient) -> int:
    return int(container_of(client).ledger.recorder.max_notification_id() or 0)


def every_cell(container: Container) -> list[tuple[str, str]]:
    """Every value of every table of the database (event store, read models, keys), as text."""
    meta = MetaData()
    meta.reflect(container.engine)
    cells: list[tuple[str, str]] = []
    with container.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        cells.append((table.name, bytes(value).decode("latin-1")))
                    elif value is not None:
                        cells.append((table.name, value if isinstance(value, str) else json.dumps(value, default=str)))
    return cells


def test_a_created_token_is_nowhere_in_the_database_and_a_retry_does_not_show_it_again(client: TestClient) -> None:
    body = {"role": "customer", "account": "acme"}
    setup_customer(client)
    first = client.post("/v1/admin/tokens", json=body, headers=keyed("token-1"))
    assert first.status_code == 201, first.text
    secret = first.json()["token"]
    assert first.headers["cache-control"] == "no-store"
    # The token works, and is stored nowhere in clear: not in api_tokens, not in the key store.
    assert client.get("/v1/admin/customers/acme/invoices", headers={"Authorization": f"Bearer {secret}"}).status_code != 401
    cells = every_cell(container_of(client))
    assert cells and any(table == "idempotency_keys" for table, _ in cells)  # the key itself is kept
    assert [table for table, text in cells if secret in text] == []
    # The retry: a 409 naming what the first request created, never the secret.
    again = client.post("/v1/admin/tokens", json=body, headers=keyed("token-1"))
    assert again.status_code == 409, again.text
    assert again.headers["idempotent-replayed"] == "true"
    error = again.json()["error"]
    assert error["code"] == "idempotency_key_secret_not_kept"
    assert error["details"] == {"field": "Idempotency-Key", "status": 201, "id": first.json()["id"],
                                "fields": [{"field": "Idempotency-Key", "message": "the answer held a secret shown once"}]}
    assert secret not in again.text
    # And no second token was made.
    tokens = client.get("/v1/admin/tokens", headers=ADMIN).json()["tokens"]
    assert [t["id"] for t in tokens] == [first.json()["id"]]


def test_an_empty_or_blank_key_is_a_422_naming_the_header_and_records_nothing(client: TestClient) -> None:
    setup_customer(client)
    path = "/v1/admin/customers/acme/interventions"
    body = {"on": "2026-02-12", "hours": "1.5", "description": "export"}
    events = stored_events(client)
    for key in ("", " ", "    "):
        response = client.post(path, json=body, headers={**ADMIN, "Idempotency-Key": key})
        assert response.status_code == 422, (key, response.text)
        error = response.json()["error"]
        assert error["details"] == {"field": "Idempotency-Key",
                                    "fields": [{"field": "Idempotency-Key", "message": error["message"]}]}
        assert "Idempotency-Key" in error["message"]
    assert stored_events(client) == events
    assert client.post(path, json=body, headers={**ADMIN, "Idempotency-Key": "a b"}).status_code == 201


def test_the_same_body_in_another_key_order_or_whitespace_is_replayed_not_a_409(client: TestClient) -> None:
    setup_customer(client)
    path = "/v1/admin/customers/acme/interventions"
    first = client.post(path, content=b'{"on": "2026-02-12", "hours": "1.5", "description": "export"}',
                        headers=keyed("int-json"))
    assert first.status_code == 201, first.text
    events = stored_events(client)
    for same in (
        b'{"description":"export","hours":"1.5","on":"2026-02-12"}',  # other order, no whitespace
        b'\n{ "hours" : "1.5",\r\n\t"on": "2026-02-12", "description": "export" }\n',  # other whitespace
        b'{"on": "2026-02-12", "hours": "1.5", "description": "\\u0065xport"}',  # the same string, escaped
    ):
        again = client.post(path, content=same, headers=keyed("int-json"))
        assert (again.status_code, again.json()) == (201, first.json()), again.text
        assert again.headers["idempotent-replayed"] == "true"
    assert stored_events(client) == events  # one intervention recorded
    # Another value is another request: still a 409 ("1.50" is another string than "1.5").
    other = client.post(path, content=b'{"on": "2026-02-12", "hours": "1.50", "description": "export"}',
                        headers=keyed("int-json"))
    assert other.status_code == 409, other.text
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert stored_events(client) == events


def test_a_usage_batch_reserialised_by_a_retrying_client_is_replayed(client: TestClient) -> None:
    setup_customer(client)
    events: list[dict[str, Any]] = [{"id": f"u{i}", "account": "acme", "at": "2026-02-11T10:00:00+01:00",
                                     "credits": 7} for i in range(3)]
    first = client.post("/v1/usage", content=json.dumps({"events": events}).encode(), headers=keyed("usage-json"))
    assert first.json() == {"accepted": 3, "duplicates": 0}
    stored = stored_events(client)
    # The retry's JSON library sorts keys and indents: the same batch, the first answer again.
    again = client.post("/v1/usage", content=json.dumps({"events": events}, sort_keys=True, indent=2).encode(),
                        headers=keyed("usage-json"))
    assert again.json() == {"accepted": 3, "duplicates": 0}
    assert again.headers["idempotent-replayed"] == "true"
    assert stored_events(client) == stored
    # 3 events of 7 credits, counted once: 21.
    assert client.get("/v1/admin/customers/acme/usage?month=2026-02", headers=ADMIN).json()["credits"] == 21


def test_an_effect_committed_before_the_database_went_is_a_503_then_a_409_answer_lost(client: TestClient) -> None:
    """The intervention is stored with its key; then the connection is lost before the answer (here in
    the read-your-writes step): a 503 with Retry-After, and its retry a 409 saying it was recorded,
    never a second intervention nor a replayed 500."""
    from sqlalchemy.exc import OperationalError

    setup_customer(client)
    projector = container_of(client).projector
    event = get_topic(CustomerAccount.InterventionRecorded)  # the key of its handler
    original = projector.handlers[event]
    lost = {"once": True}

    def connection_lost(step: Any, e: Any, position: int) -> None:
        if lost["once"]:
            lost["once"] = False
            raise OperationalError("INSERT INTO interventions", {}, Exception("server closed the connection"),
                                   connection_invalidated=True)
        original(step, e, position)

    path = "/v1/admin/customers/acme/interventions"
    body = {"on": "2026-02-12", "hours": "1.5", "description": "export"}
    events = stored_events(client)
    projector.handlers[event] = connection_lost
    try:
        first = client.post(path, json=body, headers=keyed("int-lost"))
    finally:
        projector.handlers[event] = original
    assert first.status_code == 503, first.text
    assert int(first.headers["retry-after"]) > 0
    assert first.json()["error"]["code"] == "unavailable"
    assert stored_events(client) == events + 1  # recorded once, with its key
    again = client.post(path, json=body, headers=keyed("int-lost"))
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "idempotency_key_answer_lost"
    assert stored_events(client) == events + 1
