"""The penalty cap of BILLING_RULES §6 over HTTP: every window at once, in HT, in either order."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.api_helpers import at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer

from ledger.clock import FixedClock


def test_the_example_of_section_6_grants_1000_in_all_in_either_order(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    for account in ("acme", "bravo"):
        post(client, "/v1/admin/customers", customer(account))
        # February: plan 500.00 + installation 500.00 = 1,000.00 HT; VAT 200.00; TTC 1,200.00.
        post(client, f"/v1/admin/customers/{account}/contract", contract("2026-02-01", installation_fee="500.00"))
    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    wait_closed(client, "2026-02")
    invoices = {i["account"]: i for i in get(client, "/v1/admin/invoices?month=2026-02")["invoices"]}
    assert {a: (i["total_ht"], i["total_ttc"]) for a, i in invoices.items()} == {
        "acme": ("1000.00", "1200.00"), "bravo": ("1000.00", "1200.00")}
    at(clock, "2026-06-10")
    for account, invoice in invoices.items():
        post(client, f"/v1/admin/customers/{account}/payments", {
            "invoice": invoice["number"], "amount": "1200.00", "received_on": "2026-03-05", "method": "transfer"})

    def grant(account: str, incident_on: str, amount: str) -> tuple[str, bool]:
        answer = post(client, f"/v1/admin/customers/{account}/penalty-credits", {
            "amount": amount, "reason": "outage", "incident_on": incident_on, "granted_on": "2026-06-10"})
        assert answer["requested"] == amount
        return answer["granted"], answer["capped"]

    # acme, June first: 1,200.00 TTC paid is worth 1,200 × 1000/1200 = 1,000.00 HT → 1,100 asked, 1,000.00
    # granted; then 15 May: the window of 1 June is full → 0.00.
    assert grant("acme", "2026-06-01", "1100.00") == ("1000.00", True)
    assert grant("acme", "2026-05-15", "1000.00") == ("0.00", True)
    # bravo, May first: 1,000.00; then 1 June: its window holds the May credit → 0.00. 1,000.00 in all.
    assert grant("bravo", "2026-05-15", "1000.00") == ("1000.00", False)
    assert grant("bravo", "2026-06-01", "1000.00") == ("0.00", True)
