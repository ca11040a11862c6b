"""The admin lists the console needs (issue 23, API.md "Operations and audit"), on both backends:
``GET /v1/admin/customers?q=&page=``, ``GET /v1/admin/months``, ``GET /v1/admin/jobs/{id}``."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, post, wait_closed
from support.factories import customer
from support.http_helpers import setup_customer, token

from ledger.clock import FixedClock


def test_customers_are_listed_searched_and_paged(client: TestClient) -> None:
    setup_customer(client, "acme")
    post(client, "/v1/admin/customers", {**customer("globex"), "legal_name": "Globex Industries SA"})
    for n in range(55):  # 57 accounts in all: a page of 50, then 7
        post(client, "/v1/admin/customers", customer(f"zz{n:02d}"))
    first = client.get("/v1/admin/customers", headers=ADMIN)
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["customers"]) == 50 and body["next"] == 2
    assert body["customers"][0]["account"] == "acme" and body["customers"][0]["legal_name"] == "ACME SAS"
    second = client.get("/v1/admin/customers?page=2", headers=ADMIN).json()
    assert len(second["customers"]) == 7 and second["next"] is None
    assert {c["account"] for c in body["customers"]}.isdisjoint(c["account"] for c in second["customers"])
    # Search in the legal name, any case; in the billing email; a LIKE wildcard is only a character.
    assert [c["account"] for c in client.get("/v1/admin/customers?q=INDUSTRIES", headers=ADMIN).json()["customers"]] \
        == ["globex"]
    assert [c["account"] for c in client.get("/v1/admin/customers?q=factures@acme", headers=ADMIN).json()["customers"]] \
        == ["acme"]
    assert client.get("/v1/admin/customers?q=%25", headers=ADMIN).json()["customers"] == []
    assert client.get("/v1/admin/customers?q=_", headers=ADMIN).json()["customers"] == []


def test_customer_list_bad_input_and_roles(client: TestClient) -> None:
    setup_customer(client)
    for query in ("page=0", "page=abc", "q=" + "x" * 101):
        response = client.get(f"/v1/admin/customers?{query}", headers=ADMIN)
        assert response.status_code == 422, (query, response.text)
        assert response.json()["error"]["code"]
    assert client.get("/v1/admin/customers").status_code == 401
    assert client.get("/v1/admin/customers", headers=token(client, "customer", "acme")).status_code == 403
    assert client.get("/v1/admin/months", headers=token(client, "ingest")).status_code == 403
    assert client.get("/v1/admin/jobs/x", headers=token(client, "customer", "acme")).status_code == 403


def test_months_list_each_ended_month_with_its_state(client: TestClient, clock: FixedClock) -> None:
    assert client.get("/v1/admin/months", headers=ADMIN).json() == {"months": []}  # no contract yet
    setup_customer(client)  # service start 2026-02-10
    at(clock, "2026-04-03")
    months = client.get("/v1/admin/months", headers=ADMIN).json()["months"]
    # February and March have ended, April has not: newest first, both open.
    assert [(m["month"], m["status"]) for m in months] == [("2026-03", "open"), ("2026-02", "open")]
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-04-03"}, 202)
    wait_closed(client, "2026-02")
    months = client.get("/v1/admin/months", headers=ADMIN).json()["months"]
    assert [(m["month"], m["status"]) for m in months] == [("2026-03", "open"), ("2026-02", "closed")]
    # February 2026 for acme: plan 500 × 19/28 = 339.29, installation 800.00 → HT 1139.29, TTC 1367.15.
    assert months[1] == client.get("/v1/admin/months/2026-02", headers=ADMIN).json()
    assert (months[1]["invoices"], months[1]["total_ht"], months[1]["total_ttc"]) == (1, "1139.29", "1367.15")


def test_the_job_a_close_returns_can_be_looked_up(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    at(clock, "2026-03-02")
    job = post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)["job"]
    assert job
    deadline = time.monotonic() + 60
    while True:
        response = client.get(f"/v1/admin/jobs/{job}", headers=ADMIN)
        assert response.status_code == 200, response.text
        state = response.json()
        assert state["status"] in ("queued", "running", "done")
        if state["status"] == "done" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert state["status"] == "done" and state["actor"] == "close_month" and state["month"] == "2026-02"
    assert state["month_state"]["status"] == "closed" and state["queued_at"] and state["finished_at"]
    assert state["error"] is None
    missing = client.get("/v1/admin/jobs/no-such-job", headers=ADMIN)
    assert missing.status_code == 404 and missing.json()["error"]["code"]


def test_the_lists_are_in_the_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "get" in paths["/v1/admin/customers"] and "post" in paths["/v1/admin/customers"]
    assert "get" in paths["/v1/admin/months"] and "get" in paths["/v1/admin/jobs/{job}"]
