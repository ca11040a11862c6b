"""Kinds of termination and the indemnity each implies (BILLING_RULES §9, art. 14), over HTTP."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer

from ledger.clock import FixedClock


def terminate(client: TestClient, account: str, status: int = 201, **body: Any) -> Any:
    response = client.post(f"/v1/admin/customers/{account}/termination",
                           json={"notified_on": "2026-03-10", "channel": "email", **body}, headers=ADMIN)
    assert response.status_code == status, response.text
    return response.json()


def test_each_kind_of_termination_owes_the_indemnity_it_implies(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    for account in ("ends", "leaves", "breach", "outage", "bad"):
        post(client, "/v1/admin/customers", customer(account))
        # PRO 500.00 from 2026-02-01: the initial term runs to 2026-04-30.
        post(client, f"/v1/admin/customers/{account}/contract", contract("2026-02-01", installation_fee="0.00"))
    post(client, "/v1/admin/customers", customer("free"))
    post(client, "/v1/admin/customers/free/contract", contract(
        "2026-02-01", plan="START", freemium=True, installation_fee="0.00", payment_method="transfer", mandate=None))
    at(clock, "2026-03-10")

    # By the customer at the end of the period (notice before 2026-03-31): no indemnity.
    assert terminate(client, "ends") == {"effective_end": "2026-04-30", "early": False, "indemnity": "0.00"}
    # Early, by the customer: April's fee is still due, 500.00.
    assert terminate(client, "leaves", requested_end="2026-03-31") == {
        "effective_end": "2026-03-31", "early": True, "indemnity": "500.00"}
    # Bad combinations are refused, and nothing is written.
    assert terminate(client, "bad", 422, initiated_by="customer", reason="breach")["error"]["details"]["field"] == (
        "initiated_by")
    assert terminate(client, "bad", 422, initiated_by="flexio", reason="notice",
                     requested_end="2026-03-31")["error"]["details"]["field"] == "reason"
    assert terminate(client, "bad", 422, initiated_by="flexio", reason="freemium_notice")["error"]["details"][
        "field"] == "reason"  # not a freemium account
    assert terminate(client, "bad", 422, reason="whim")["error"]["details"]["field"] == "reason"
    assert get(client, "/v1/admin/customers/bad")["termination"] is None
    # By FLEXIO for the customer's breach, at once: the fees of the rest of the period,
    # March 11..31 = 500 × 21/31 = 338.709… → 338.71, plus April 500.00 = 838.71.
    assert terminate(client, "breach", initiated_by="flexio", reason="breach") == {
        "effective_end": "2026-03-10", "early": True, "indemnity": "838.71"}
    # By common agreement after 30 days of interruption attributable to FLEXIO: no indemnity.
    assert terminate(client, "outage", reason="interruption", requested_end="2026-03-15") == {
        "effective_end": "2026-03-15", "early": True, "indemnity": "0.00"}
    # Freemium, by FLEXIO after an unanswered formal notice: immediate, no indemnity.
    assert terminate(client, "free", initiated_by="flexio", reason="freemium_notice") == {
        "effective_end": "2026-03-10", "early": True, "indemnity": "0.00"}

    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    wait_closed(client, "2026-02")
    at(clock, "2026-04-01")
    post(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-01"}, 202)
    wait_closed(client, "2026-03")
    invoices = {i["account"]: i for i in get(client, "/v1/admin/invoices?month=2026-03")["invoices"]}
    # breach: March 1..10 = 500 × 10/31 = 161.290… → 161.29, indemnity 838.71: 1000.00 HT, 1200.00 TTC.
    assert [(line["kind"], line["amount"]) for line in invoices["breach"]["lines"]] == [
        ("plan_fee", "161.29"), ("early_termination", "838.71")]
    assert (invoices["breach"]["total_ht"], invoices["breach"]["total_ttc"]) == ("1000.00", "1200.00")
    # outage: March 1..15 = 500 × 15/31 = 241.935… → 241.94, no indemnity line.
    assert [(line["kind"], line["amount"]) for line in invoices["outage"]["lines"]] == [("plan_fee", "241.94")]
