"""Foundation, bad input: each answered 422 in API.md's error format naming the field, nothing written."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from support.factories import GRID_2026_A, contract, customer
from support.http_helpers import ADMIN, close_february, setup_customer

from ledger.clock import FixedClock


def events(client: TestClient) -> int:
    """How many events the ledger holds (the API's own container)."""
    return int(client.app.state.container.ledger.recorder.max_notification_id() or 0)  # type: ignore[attr-defined]


def fields_named(response: Any) -> set[str]:
    """The offending fields an error names: a domain error's ``field``, or each validation field."""
    details = response.json()["error"]["details"]
    named: set[str] = set()
    if isinstance(details, dict):
        if "field" in details:
            named.add(details["field"])
        for item in details.get("fields", []):
            named.add(item["field"])
    return named


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] and error["message"]
    assert field in fields_named(response), response.json()


def post_refused(client: TestClient, path: str, body: Any, field: str) -> None:
    """POST ``body``, expect a 422 naming ``field``, and check the ledger did not grow."""
    before = events(client)
    assert_refused(client.post(path, json=body, headers=ADMIN), field)
    assert events(client) == before


def customer_view(client: TestClient, account: str = "acme") -> dict[str, Any]:
    response = client.get(f"/v1/admin/customers/{account}", headers=ADMIN)
    assert response.status_code == 200, response.text
    return dict(response.json())


# -- customers -----------------------------------------------------------------------------------


def test_an_account_id_with_capitals_accents_spaces_or_symbols_is_refused(client: TestClient) -> None:
    for account in ("Acme", "ACME", "acmé", "ac me", " acme", "ac-me", "acme!", "ac_me", "acme.fr", "ac/me", ""):
        post_refused(client, "/v1/admin/customers", customer(account), "account")
    assert client.get("/v1/admin/customers/acme", headers=ADMIN).status_code == 404


def test_a_siren_with_a_bad_key_is_refused(client: TestClient) -> None:
    # 312456783 passes Luhn; changing the last digit to 4 breaks the key.
    post_refused(client, "/v1/admin/customers", customer(siren="312456784"), "siren")
    assert client.get("/v1/admin/customers/acme", headers=ADMIN).status_code == 404


def test_a_vat_number_with_a_bad_key_is_refused(client: TestClient) -> None:
    # Key of FR..312456783 = (12 + 3 × (312456783 mod 97)) mod 97 = 94; 95 is wrong.
    post_refused(client, "/v1/admin/customers", customer(vat_number="FR95312456783"), "vat_number")
    assert client.get("/v1/admin/customers/acme", headers=ADMIN).status_code == 404


# -- contracts -----------------------------------------------------------------------------------


def registered(client: TestClient) -> None:
    assert client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ADMIN).status_code == 201
    assert client.post("/v1/admin/customers", json=customer(), headers=ADMIN).status_code == 201


def test_an_iban_with_a_bad_checksum_is_refused(client: TestClient) -> None:
    registered(client)
    # FR76 3000 6000 0112 3456 7890 189 is valid; check digits 77 break the ISO 7064 checksum.
    bad = contract()
    bad["mandate"] = {**bad["mandate"], "iban": "FR7730006000011234567890189"}
    post_refused(client, "/v1/admin/customers/acme/contract", bad, "mandate.iban")
    assert customer_view(client)["contract"] is None


def test_sepa_debit_without_a_mandate_is_refused(client: TestClient) -> None:
    registered(client)
    body = contract()
    del body["mandate"]
    post_refused(client, "/v1/admin/customers/acme/contract", body, "mandate")
    assert customer_view(client)["contract"] is None


def test_a_plan_missing_from_the_grid_in_force_is_refused(client: TestClient) -> None:
    registered(client)
    post_refused(client, "/v1/admin/customers/acme/contract", contract(plan="ENTERPRISE"), "plan")
    assert customer_view(client)["contract"] is None


def test_a_service_start_before_the_first_grid_is_refused(client: TestClient) -> None:
    registered(client)
    # Grid 2026-A applies from 2026-01-01: nothing prices 2025-12-15.
    post_refused(client, "/v1/admin/customers/acme/contract", contract(service_start="2025-12-15"), "service_start")
    assert customer_view(client)["contract"] is None


# -- price grids ---------------------------------------------------------------------------------


def next_grid(**overrides: Any) -> dict[str, Any]:
    return {**GRID_2026_A, "version": "2026-B", "effective_from": "2026-05-01", "notified_on": "2026-03-20",
            **overrides}


def test_a_grid_with_under_a_months_notice_is_refused(client: TestClient, clock: FixedClock) -> None:
    assert client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ADMIN).status_code == 201
    clock.set(clock.now().replace(month=3, day=2))  # §4: a notice is never dated after today
    # Notified 2026-03-02: the earliest effective date is 2026-04-02, so 2026-04-01 is a day short.
    post_refused(client, "/v1/admin/price-grids",
                 next_grid(effective_from="2026-04-01", notified_on="2026-03-02"), "notified_on")
    versions = client.get("/v1/admin/price-grids", headers=ADMIN).json()["price_grids"]
    assert [g["version"] for g in versions] == ["2026-A"]
    # Exactly one month's notice is enough (2026-03-01 + 1 month = 2026-04-01).
    ok = client.post("/v1/admin/price-grids", json=next_grid(effective_from="2026-04-01", notified_on="2026-03-01"),
                     headers=ADMIN)
    assert ok.status_code == 201, ok.text


def test_a_grid_not_starting_on_the_first_of_a_month_is_refused(client: TestClient) -> None:
    assert client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ADMIN).status_code == 201
    post_refused(client, "/v1/admin/price-grids", next_grid(effective_from="2026-05-15"), "effective_from")
    post_refused(client, "/v1/admin/price-grids",
                 {**GRID_2026_A, "version": "first", "effective_from": "2026-01-02"}, "effective_from")
    assert client.get("/v1/admin/price-grids/2026-B", headers=ADMIN).status_code == 404


# -- options, hours, amounts ---------------------------------------------------------------------


def test_an_option_ended_before_it_was_accepted_is_refused(client: TestClient) -> None:
    setup_customer(client)
    accepted = client.post("/v1/admin/customers/acme/options",
                           json={"option": "branding_removal", "accepted_on": "2026-03-05"}, headers=ADMIN)
    assert accepted.status_code == 201
    post_refused(client, "/v1/admin/customers/acme/options/branding_removal/end",
                 {"ended_on": "2026-03-04"}, "ended_on")
    assert customer_view(client)["options"][0]["ended_on"] is None


def test_zero_or_negative_support_hours_are_refused(client: TestClient) -> None:
    setup_customer(client)
    assert client.post("/v1/admin/customers/acme/options",
                       json={"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-03-01"},
                       headers=ADMIN).status_code == 201
    for hours in ("0", "0.00", "-1", "-2.5"):
        post_refused(client, "/v1/admin/customers/acme/support-hours", {"on": "2026-03-12", "hours": hours}, "hours")


def test_zero_or_negative_intervention_hours_are_refused(client: TestClient) -> None:
    setup_customer(client)
    for hours in ("0", "-1.5"):
        post_refused(client, "/v1/admin/customers/acme/interventions",
                     {"on": "2026-03-12", "hours": hours, "description": "export"}, "hours")


def test_a_zero_or_negative_penalty_credit_is_refused(client: TestClient) -> None:
    setup_customer(client)
    for amount in ("0.00", "-300.00"):
        post_refused(client, "/v1/admin/customers/acme/penalty-credits",
                     {"amount": amount, "reason": "outage", "incident_on": "2026-02-20", "granted_on": "2026-02-21"},
                     "amount")


def test_zero_or_negative_payments_are_refused(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    close_february(client, clock)
    invoice = client.get("/v1/admin/invoices?account=acme", headers=ADMIN).json()["invoices"][0]
    for amount in ("0.00", "0", "-10.00"):
        post_refused(client, "/v1/admin/customers/acme/payments",
                     {"invoice": invoice["number"], "amount": amount, "received_on": "2026-03-02",
                      "method": "transfer"}, "amount")
    got = client.get(f"/v1/invoices/{invoice['number']}", headers=ADMIN).json()
    assert got["payment_status"] == "unpaid"


def test_a_termination_notified_before_service_start_is_refused(client: TestClient) -> None:
    setup_customer(client)  # service start 2026-02-10
    post_refused(client, "/v1/admin/customers/acme/termination",
                 {"notified_on": "2026-02-09", "channel": "email"}, "notified_on")
    assert customer_view(client)["termination"] is None


# -- malformed requests --------------------------------------------------------------------------


def test_malformed_json_is_a_client_error_and_writes_nothing(client: TestClient) -> None:
    before = events(client)
    response = client.post(
        "/v1/admin/customers", content=b'{"account": "acme", ', headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
    assert events(client) == before
    assert client.get("/v1/admin/customers/acme", headers=ADMIN).status_code == 404


def test_a_missing_field_is_named_in_the_422(client: TestClient) -> None:
    body = customer()
    del body["legal_name"]
    post_refused(client, "/v1/admin/customers", body, "legal_name")
