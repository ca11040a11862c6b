"""VAT rates as their own dated table, and the VAT regime against the address (BILLING_RULES §4, §5)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer

from ledger.clock import FixedClock


def refused(client: TestClient, path: str, body: Any, field: str) -> None:
    response = client.post(path, json=body, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == field, response.text


def test_a_vat_rate_applies_from_any_day_without_notice_to_invoices_issued_from_then(
    client: TestClient, clock: FixedClock
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)  # records 20.00 from 2026-01-01
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-01", installation_fee="0.00"))
    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    wait_closed(client, "2026-02")
    feb = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]
    assert (feb["total_ht"], feb["vat_rate"], feb["total_vat"]) == ("500.00", "20.00", "100.00")

    # FX-2026-000001 was issued on 2026-03-02: a rate from 2026-03-01 would change it.
    refused(client, "/v1/admin/vat-rates", {"rate": "21.00", "effective_from": "2026-03-01"}, "effective_from")
    refused(client, "/v1/admin/vat-rates", {"rate": "101.00", "effective_from": "2026-03-15"}, "rate")
    refused(client, "/v1/admin/vat-rates", {"rate": "abc", "effective_from": "2026-03-15"}, "rate")
    # A grid's vat_rate records a rate from its effective_from: the same guard applies.
    refused(client, "/v1/admin/price-grids", {**GRID_2026_A, "version": "2026-B", "effective_from": "2026-03-01",
                                              "notified_on": "2026-02-01", "vat_rate": "19.00"}, "effective_from")
    assert get(client, "/v1/admin/vat-rates")["vat_rates"] == [
        {"rate": "20.00", "effective_from": "2026-01-01", "source": "grid:2026-A"}]

    # Mid-month and thirteen days ahead: no notice needed (art. 10.1 "sans délai").
    assert post(client, "/v1/admin/vat-rates", {"rate": "21.00", "effective_from": "2026-03-15"}) == {
        "rate": "21.00", "effective_from": "2026-03-15"}
    assert get(client, "/v1/admin/vat-rates")["vat_rates"] == [
        {"rate": "20.00", "effective_from": "2026-01-01", "source": "grid:2026-A"},
        {"rate": "21.00", "effective_from": "2026-03-15", "source": "vat-rates"}]
    at(clock, "2026-04-01")
    preview = get(client, "/v1/admin/months/2026-03/preview?issue_date=2026-04-01")["invoices"][0]
    # The rate in force on the issue date (21 %) applies to the whole March invoice: 500 × 21 % = 105.00.
    assert (preview["total_ht"], preview["vat_rate"], preview["total_vat"], preview["total_ttc"]) == (
        "500.00", "21.00", "105.00", "605.00")
    # February's invoice did not change.
    assert get(client, f"/v1/invoices/{feb['number']}")["total_vat"] == "100.00"


def test_a_vat_regime_that_does_not_fit_the_address_is_refused(client: TestClient) -> None:
    us = {"line1": "1 Main St", "postcode": "10001", "city": "New York", "country": "US"}
    refused(client, "/v1/admin/customers", customer("acme", vat_regime="export"), "vat_regime")  # French address
    refused(client, "/v1/admin/customers", customer("usco", siren=None, vat_number=None, vat_regime="reverse_charge",
                                                     address=us), "vat_regime")
    refused(client, "/v1/admin/customers", customer(
        "gmbh", siren=None, vat_number="BE0403170701", vat_regime="reverse_charge",
        address={"line1": "Hauptstrasse 1", "postcode": "10115", "city": "Berlin", "country": "DE"}), "vat_number")
    for account in ("acme", "usco", "gmbh"):
        assert client.get(f"/v1/admin/customers/{account}", headers=ADMIN).status_code == 404
    post(client, "/v1/admin/customers", customer("usco", siren=None, vat_number=None, vat_regime="export", address=us))
    monaco = {"line1": "1 bd des Moulins", "postcode": "98000", "city": "Monaco", "country": "MC"}
    post(client, "/v1/admin/customers", customer("monaco", siren=None, vat_number=None, address=monaco))


def test_without_any_vat_rate_the_preview_lists_the_accounts_and_the_close_is_refused(
    client: TestClient, clock: FixedClock
) -> None:
    post(client, "/v1/admin/price-grids", {k: v for k, v in GRID_2026_A.items() if k != "vat_rate"})
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-01", installation_fee="0.00"))
    at(clock, "2026-03-02")
    preview = get(client, "/v1/admin/months/2026-02/preview?issue_date=2026-03-02")
    assert preview["errors"] == [{"account": "acme", "reason": "no VAT rate is in force on 2026-03-02"}]
    response = client.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-02"}, headers=ADMIN)
    assert response.status_code == 409, response.text
    post(client, "/v1/admin/vat-rates", {"rate": "20.00", "effective_from": "2026-01-01"})
    preview = get(client, "/v1/admin/months/2026-02/preview?issue_date=2026-03-02")
    # 500.00 HT, 20 % → 100.00, TTC 600.00
    assert preview["errors"] == []
    assert [(i["total_ht"], i["total_vat"], i["total_ttc"]) for i in preview["invoices"]] == [
        ("500.00", "100.00", "600.00")]
