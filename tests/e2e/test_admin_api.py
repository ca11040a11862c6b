"""Foundation, over HTTP: API.md "Auth", "Price grid" and "Customers and their contracts"."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from support.api_helpers import post
from support.factories import GRID_2026_A
from support.http_helpers import ADMIN, close_february, setup_customer, token

from ledger.clock import FixedClock

# February 2026 for acme (service start 2026-02-10, PRO 500.00, installation 800.00, no usage):
#   plan 500 × 19/28 = 339.285… → 339.29; installation 800.00; HT 1139.29;
#   VAT 20 % = 227.858 → 227.86; TTC 1367.15.
ACME_FEB_TTC = "1367.15"


def first_invoice(client: TestClient, account: str = "acme") -> dict[str, Any]:
    invoices = client.get(f"/v1/admin/invoices?month=2026-02&account={account}", headers=ADMIN).json()["invoices"]
    assert len(invoices) == 1
    return dict(invoices[0])


# -- Auth ----------------------------------------------------------------------------------------


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/health").status_code == 200


def test_an_admin_creates_tokens_of_each_role(client: TestClient) -> None:
    setup_customer(client)
    for body in ({"role": "admin"}, {"role": "ingest"}, {"role": "customer", "account": "acme"}):
        response = client.post("/v1/admin/tokens", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        assert isinstance(response.json()["token"], str) and response.json()["token"]
    # A created admin token works like the bootstrap one.
    new_admin = token(client, "admin")
    assert client.get("/v1/admin/price-grids", headers=new_admin).status_code == 200


def test_a_request_without_a_token_gets_401(client: TestClient) -> None:
    response = client.get("/v1/admin/price-grids")
    assert response.status_code == 401
    assert response.json()["error"]["code"]


def test_a_request_with_an_unknown_token_gets_401(client: TestClient) -> None:
    response = client.get("/v1/admin/price-grids", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_an_ingest_token_gets_403_on_admin_endpoints(client: TestClient) -> None:
    ingest = token(client, "ingest")
    assert client.get("/v1/admin/price-grids", headers=ingest).status_code == 403
    response = client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ingest)
    assert response.status_code == 403
    # Nothing was published by the refused call.
    assert client.get("/v1/admin/price-grids", headers=ADMIN).json()["price_grids"] == []


def test_a_customer_token_gets_403_on_admin_endpoints(client: TestClient) -> None:
    setup_customer(client)
    acme = token(client, "customer", "acme")
    assert client.get("/v1/admin/customers/acme", headers=acme).status_code == 403
    assert client.post("/v1/admin/tokens", json={"role": "admin"}, headers=acme).status_code == 403
    assert client.get("/v1/admin/invoices", headers=acme).status_code == 403


def test_a_customer_token_gets_404_for_another_accounts_invoice(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client, "acme")
    setup_customer(client, "globex")
    close_february(client, clock)
    acme_invoice = first_invoice(client, "acme")["number"]
    globex = token(client, "customer", "globex")
    response = client.get(f"/v1/invoices/{acme_invoice}", headers=globex)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # The owner and finance do see it.
    acme = token(client, "customer", "acme")
    own = client.get(f"/v1/invoices/{acme_invoice}", headers=acme)
    assert own.status_code == 200 and own.json()["account"] == "acme"
    assert own.json()["total_ttc"] == ACME_FEB_TTC
    assert client.get(f"/v1/invoices/{acme_invoice}", headers=ADMIN).status_code == 200


def test_a_customer_token_gets_404_for_another_accounts_invoice_list(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client, "acme")
    setup_customer(client, "globex")
    close_february(client, clock)
    globex = token(client, "customer", "globex")
    assert client.get("/v1/customers/acme/invoices", headers=globex).status_code == 404
    own = client.get("/v1/customers/globex/invoices", headers=globex)
    assert own.status_code == 200
    assert [inv["account"] for inv in own.json()["invoices"]] == ["globex"]


# -- Price grid ----------------------------------------------------------------------------------


def test_a_published_price_grid_is_answered_201_and_read_back(client: TestClient) -> None:
    response = client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ADMIN)
    assert response.status_code == 201, response.text
    assert response.json()["version"] == "2026-A"
    listed = client.get("/v1/admin/price-grids", headers=ADMIN)
    assert listed.status_code == 200
    assert [g["version"] for g in listed.json()["price_grids"]] == ["2026-A"]
    one = client.get("/v1/admin/price-grids/2026-A", headers=ADMIN)
    assert one.status_code == 200
    body = one.json()
    assert body["effective_from"] == "2026-01-01"
    assert body["notified_on"] == "2025-11-20"
    assert body["plans"][0]["code"] == "PRO" and body["plans"][0]["monthly_fee"] == "500.00"
    assert body["plans"][0]["included_credits"] == 40000
    assert client.get("/v1/admin/price-grids/1999-Z", headers=ADMIN).status_code == 404


def test_a_grid_posted_again_with_other_content_is_a_409(client: TestClient) -> None:
    assert client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ADMIN).status_code == 201
    other = {**GRID_2026_A, "vat_rate": "5.50"}
    response = client.post("/v1/admin/price-grids", json=other, headers=ADMIN)
    assert response.status_code == 409
    assert client.get("/v1/admin/price-grids/2026-A", headers=ADMIN).json()["vat_rate"] == "20.00"


# -- Customers and their contracts -------------------------------------------------------------


def test_a_customer_and_its_contract_are_registered_and_read_back(client: TestClient) -> None:
    assert client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ADMIN).status_code == 201
    from support.factories import contract, customer

    registered = client.post("/v1/admin/customers", json=customer("acme"), headers=ADMIN)
    assert registered.status_code == 201, registered.text
    assert registered.json()["account"] == "acme"
    assert registered.json()["siren"] == "312456783"
    assert registered.json()["contract"] is None
    signed = client.post("/v1/admin/customers/acme/contract", json=contract(), headers=ADMIN)
    assert signed.status_code == 201, signed.text
    got = client.get("/v1/admin/customers/acme", headers=ADMIN).json()
    assert got["contract"]["plan"] == "PRO"
    assert got["contract"]["plan_grid_version"] == "2026-A"
    assert got["contract"]["service_start"] == "2026-02-10"
    assert got["contract"]["installation_fee"] == "800.00"
    assert got["contract"]["payment_method"] == "sepa_debit"
    assert got["contract"]["mandate"] == {"reference": "RUM-ACME-001"}
    # The same account twice is a state conflict.
    assert client.post("/v1/admin/customers", json=customer("acme"), headers=ADMIN).status_code == 409
    assert client.get("/v1/admin/customers/nobody", headers=ADMIN).status_code == 404


def test_options_are_accepted_201_and_ended_200(client: TestClient) -> None:
    setup_customer(client)
    accepted = client.post(
        "/v1/admin/customers/acme/options",
        json={"option": "branding_removal", "accepted_on": "2026-03-05"},
        headers=ADMIN,
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["options"] == [
        {"option": "branding_removal", "pack": None, "accepted_on": "2026-03-05", "ended_on": None}
    ]
    support = client.post(
        "/v1/admin/customers/acme/options",
        json={"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-03-01"},
        headers=ADMIN,
    )
    assert support.status_code == 201, support.text
    ended = client.post(
        "/v1/admin/customers/acme/options/branding_removal/end", json={"ended_on": "2026-06-30"}, headers=ADMIN
    )
    assert ended.status_code == 200, ended.text
    options = {o["option"]: o for o in ended.json()["options"]}
    assert options["branding_removal"]["ended_on"] == "2026-06-30"
    assert options["advanced_support"] == {
        "option": "advanced_support", "pack": "AS4", "accepted_on": "2026-03-01", "ended_on": None,
    }
    # Accepting an option already active that day is a conflict.
    again = client.post(
        "/v1/admin/customers/acme/options",
        json={"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-04-01"},
        headers=ADMIN,
    )
    assert again.status_code == 409


def test_support_hours_and_interventions_are_recorded_201(client: TestClient) -> None:
    setup_customer(client)
    post(client, "/v1/admin/customers/acme/options",
         {"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-03-01"})
    hours = client.post(
        "/v1/admin/customers/acme/support-hours",
        json={"on": "2026-03-12", "hours": "2.5", "note": "onboarding"},
        headers=ADMIN,
    )
    assert hours.status_code == 201, hours.text
    assert hours.json()["hours"] == "2.5"
    work = client.post(
        "/v1/admin/customers/acme/interventions",
        json={"on": "2026-03-12", "hours": "1.5", "description": "custom export"},
        headers=ADMIN,
    )
    assert work.status_code == 201, work.text
    assert work.json()["description"] == "custom export"


def test_support_hours_without_advanced_support_are_refused(client: TestClient) -> None:
    setup_customer(client)
    response = client.post(
        "/v1/admin/customers/acme/support-hours", json={"on": "2026-03-12", "hours": "2.5"}, headers=ADMIN
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "on"


def test_a_payment_is_recorded_201_and_marks_the_invoice_paid(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    close_february(client, clock)
    invoice = first_invoice(client)
    assert invoice["total_ttc"] == ACME_FEB_TTC
    response = client.post(
        "/v1/admin/customers/acme/payments",
        json={"invoice": invoice["number"], "amount": ACME_FEB_TTC, "received_on": "2026-03-02",
              "method": "transfer", "reference": "VIR-1"},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == ACME_FEB_TTC
    got = client.get(f"/v1/invoices/{invoice['number']}", headers=ADMIN).json()
    assert got["payment_status"] == "paid"


def test_a_penalty_credit_is_granted_in_full_under_the_cap_and_capped_above_it(
    client: TestClient, clock: FixedClock
) -> None:
    setup_customer(client)
    close_february(client, clock)
    invoice = first_invoice(client)
    # Without any payment the cap is 0.00: a request is granted 0.00, capped.
    nothing_paid = client.post(
        "/v1/admin/customers/acme/penalty-credits",
        json={"amount": "100.00", "reason": "outage", "incident_on": "2026-02-20", "granted_on": "2026-03-02"},
        headers=ADMIN,
    )
    assert nothing_paid.status_code == 201, nothing_paid.text
    assert {k: nothing_paid.json()[k] for k in ("requested", "granted", "capped")} == {
        "requested": "100.00", "granted": "0.00", "capped": True,
    }
    paid = client.post(
        "/v1/admin/customers/acme/payments",
        json={"invoice": invoice["number"], "amount": ACME_FEB_TTC, "received_on": "2026-03-02",
              "method": "transfer"},
        headers=ADMIN,
    )
    assert paid.status_code == 201, paid.text
    # Cap for an incident on 2026-03-02 (§6, in HT): paid in [2025-09-02, 2026-03-02] = 1367.15 TTC of
    # an invoice of 1139.29 HT / 1367.15 TTC, worth 1367.15 × 1139.29 / 1367.15 = 1139.29 HT, minus
    # credits for incidents in that window (the 0.00 above) = 1139.29. 300.00 ≤ 1139.29: granted in full.
    full = client.post(
        "/v1/admin/customers/acme/penalty-credits",
        json={"amount": "300.00", "reason": "outage", "incident_on": "2026-03-02", "granted_on": "2026-03-02"},
        headers=ADMIN,
    )
    assert full.status_code == 201, full.text
    assert full.json()["id"]
    assert {k: full.json()[k] for k in ("requested", "granted", "capped")} == {
        "requested": "300.00", "granted": "300.00", "capped": False,
    }
    # Next incident the same day: cap = 1139.29 - 0.00 - 300.00 = 839.29 < 1500.00 → capped.
    capped = client.post(
        "/v1/admin/customers/acme/penalty-credits",
        json={"amount": "1500.00", "reason": "outage", "incident_on": "2026-03-02", "granted_on": "2026-03-02"},
        headers=ADMIN,
    )
    assert capped.status_code == 201, capped.text
    assert {k: capped.json()[k] for k in ("requested", "granted", "capped")} == {
        "requested": "1500.00", "granted": "839.29", "capped": True,
    }


def test_an_early_termination_answers_its_effective_end_and_indemnity(client: TestClient) -> None:
    setup_customer(client)
    post(client, "/v1/admin/customers/acme/options",
         {"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-03-01"})
    response = client.post(
        "/v1/admin/customers/acme/termination",
        json={"notified_on": "2026-03-05", "channel": "email", "requested_end": "2026-03-31"},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    # Service start 2026-02-10: the initial term runs 2026-02-10..2026-05-09. Notice on 2026-03-05 is
    # at least a month before 2026-05-09 (≤ 2026-04-09), so the normal end is 2026-05-09; leaving on
    # 2026-03-31 is early. Indemnity = monthly fees for 2026-04-01..2026-05-09, fees active on the
    # last day (PRO 500.00 + AS4 380.00 = 880.00 a month):
    #   April 880.00 × 30/30 = 880.00; May 880.00 × 9/31 = 255.483… → 255.48; total 1135.48.
    assert response.json() == {"effective_end": "2026-03-31", "early": True, "indemnity": "1135.48"}
    got = client.get("/v1/admin/customers/acme", headers=ADMIN).json()
    assert got["termination"] == {"effective_end": "2026-03-31", "early": True}
    # A second notice is a state conflict.
    again = client.post(
        "/v1/admin/customers/acme/termination",
        json={"notified_on": "2026-03-06", "channel": "email"},
        headers=ADMIN,
    )
    assert again.status_code == 409


def test_a_termination_with_enough_notice_ends_the_period_without_indemnity(client: TestClient) -> None:
    setup_customer(client)
    response = client.post(
        "/v1/admin/customers/acme/termination",
        json={"notified_on": "2026-04-09", "channel": "registered_letter"},
        headers=ADMIN,
    )
    # 2026-04-09 = 2026-05-09 - 1 month: just in time, the contract ends with the initial term.
    assert response.status_code == 201, response.text
    assert response.json() == {"effective_end": "2026-05-09", "early": False, "indemnity": "0.00"}


def test_a_late_termination_notice_runs_to_the_end_of_the_next_period(client: TestClient) -> None:
    setup_customer(client)
    response = client.post(
        "/v1/admin/customers/acme/termination",
        json={"notified_on": "2026-04-10", "channel": "email"},
        headers=ADMIN,
    )
    # 2026-04-10 > 2026-04-09: too late for the initial term; the next period 2026-05-10..2026-08-09.
    assert response.status_code == 201, response.text
    assert response.json() == {"effective_end": "2026-08-09", "early": False, "indemnity": "0.00"}
