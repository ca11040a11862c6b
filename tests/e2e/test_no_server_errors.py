"""The requests that answered 500 in the report now answer a clear 4xx in API.md's error shape."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN
from support.http_helpers import setup_customer

from ledger.clock import FixedClock


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


def test_a_non_ascii_or_malformed_bearer_is_a_401(client: TestClient) -> None:
    for value in ("Bearer t\u00e9st", "Bearer \u00ff\u00fe", "Bearer", "Bearer  ", "Basic abc", "Bearer a b",
                  "Bearer " + "x" * 5000, "bearer\ttest-admin-token"):
        response = client.get("/v1/admin/price-grids", headers={"Authorization": value.encode("utf-8")})  # type: ignore[dict-item]
        error_of(response, 401)


def test_a_body_nested_a_thousand_levels_deep_is_a_422(client: TestClient) -> None:
    setup_customer(client)
    deep = "[" * 1000 + "]" * 1000
    for path, body in (("/v1/usage", '{"events": ' + deep + "}"),
                       ("/v1/admin/customers", '{"account": ' + deep + "}"),
                       ("/v1/admin/price-grids", '{"plans": ' + "{\"a\":" * 1000 + "1" + "}" * 1000 + "}"),
                       ("/v1/admin/customers/acme/payments", deep)):
        response = client.post(path, content=body, headers={**ADMIN, "Content-Type": "application/json"})
        assert response.status_code in (400, 422), (path, response.text[:200])
        error_of(response, response.status_code)


def test_out_of_range_numbers_months_and_dates_are_422(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    cases = [
        ("post", "/v1/admin/customers/acme/penalty-credits",
         {"amount": "1e30", "reason": "x", "incident_on": "2026-02-11", "granted_on": "2026-02-12"}, "amount"),
        ("post", "/v1/admin/customers/acme/interventions",
         {"on": "2026-02-11", "hours": "1" * 25, "description": "x"}, "hours"),
        ("post", "/v1/admin/customers/acme/termination", {"notified_on": "9999-01-01", "channel": "email"},
         "notified_on"),
        ("post", "/v1/admin/months/2026-01/close", {"issue_date": "9999-12-31"}, "issue_date"),
        ("get", "/v1/admin/months/0000-01", None, "month"),
        ("get", "/v1/admin/months/0000-01/preview", None, "month"),
        ("get", "/v1/admin/months/2026-01/preview?issue_date=9999-12-31", None, "issue_date"),
        ("get", "/v1/admin/customers/acme/usage?month=0000-01", None, "month"),
        ("get", "/v1/admin/invoices?month=0000-01", None, "month"),
    ]
    for method, path, body, field in cases:
        response = client.request(method, path, json=body, headers=ADMIN)
        error = error_of(response, 422)
        assert field in json.dumps(error["details"]), (path, error)


def test_a_usage_id_with_nul_is_a_422_and_nothing_is_stored(client: TestClient) -> None:
    setup_customer(client)
    before = client.app.state.container.ledger.recorder.max_notification_id()  # type: ignore[attr-defined]
    event = {"id": "evt-\u0000", "account": "acme", "at": "2026-02-11T10:00:00+01:00", "credits": 1}
    error = error_of(client.post("/v1/usage", json={"events": [event]}, headers=ADMIN), 422)
    assert "id" in json.dumps(error["details"])
    assert client.app.state.container.ledger.recorder.max_notification_id() == before  # type: ignore[attr-defined]


def test_a_nul_or_control_character_in_a_path_or_query_is_a_422(client: TestClient) -> None:
    setup_customer(client)
    for method, path in (("get", "/v1/invoices/FX-2026-%00"), ("get", "/v1/admin/invoices?account=a%00b"),
                         ("delete", "/v1/admin/tokens/x%00"), ("get", "/v1/customers/ac%0Ame/invoices"),
                         ("get", "/v1/admin/price-grids/2026%1B"),
                         ("post", "/v1/admin/customers/acme/penalty-credits/p%00/withdraw")):
        response = client.request(method, path, headers=ADMIN, json={"reason": "x"} if method == "post" else None)
        error = error_of(response, 422)
        assert error["details"]["field"] in ("path", "query"), (path, error)


def test_an_invoice_beyond_what_the_read_models_hold_is_refused_before_it_is_stored(
    client: TestClient, clock: FixedClock
) -> None:
    from support.api_helpers import at, post
    from support.factories import GRID_2026_A, contract, customer

    # 1,000,000,000.00 EUR per block of 1 credit: 200 credits over the cap are 2 x 10^11 EUR,
    # beyond NUMERIC(14, 2); each input is in range, their product is not.
    grid = {**GRID_2026_A, "plans": [{**GRID_2026_A["plans"][0], "overage_block_credits": 1,
                                      "overage_block_price": "1000000000", "included_credits": 1}]}
    post(client, "/v1/admin/price-grids", grid)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract(installation_fee="0.00"))
    events = [{"id": f"e{i}", "account": "acme", "at": "2026-02-11T10:00:00+01:00", "credits": 1} for i in range(201)]
    assert client.post("/v1/usage", json={"events": events}, headers=ADMIN).status_code == 200
    at(clock, "2026-03-02")
    preview = client.get("/v1/admin/months/2026-02/preview?issue_date=2026-03-02", headers=ADMIN)
    error = error_of(preview, 409)
    assert "beyond" in error["message"]
    before = client.app.state.container.ledger.recorder.max_notification_id()  # type: ignore[attr-defined]
    closing = client.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-02"}, headers=ADMIN)
    assert closing.status_code < 500, closing.text
    assert client.get("/health").json()["status"] == "ok"  # no invoice stored that cannot project
    assert client.get("/v1/admin/invoices?month=2026-02", headers=ADMIN).json()["invoices"] == []
    assert client.app.state.container.ledger.recorder.max_notification_id() <= before + 1  # type: ignore[attr-defined]
