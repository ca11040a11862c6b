"""Receivables on a date and late-payment invoices (API.md "Receivables", BILLING_RULES §8).

acme's February invoice: TTC 1367.15, issued 2026-03-02, due 2026-04-01 (tests/e2e/test_sepa_export.py).
Rates 2026-H1: max(2.15 + 10, 3 × 2.62 = 7.86) = 12.15 %; 2026-H2 is not in the table.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from support.api_helpers import ADMIN, at, get, post
from test_sepa_export import february_invoice, settings  # noqa: F401  (the creditor settings fixture)

from billing.persistence import tables as t
from ledger.clock import FixedClock


def test_an_invoice_not_yet_due_is_listed_without_charges(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-20")
    assert get(client, "/v1/admin/receivables")["invoices"] == [
        {"number": number, "account": "acme", "due_date": "2026-04-01", "outstanding": "1367.15",
         "days_late": 0, "interest": "0.00", "indemnity": "0.00"}]


def test_interest_accrues_on_what_is_still_due_on_the_date(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-05-02")
    # On 2026-05-01: 30 days late (2 April to 1 May) at 12.15 %:
    # 1367.15 × 0.1215 × 30 / 365 = 13.6527… → 13.65, plus 40.00.
    got = get(client, "/v1/admin/receivables?on=2026-05-01")
    assert got["invoices"] == [
        {"number": number, "account": "acme", "due_date": "2026-04-01", "outstanding": "1367.15",
         "days_late": 30, "interest": "13.65", "indemnity": "40.00"}]
    # 367.15 paid on 2026-04-10: 1000.00 still due on 2026-05-01 → 1000 × 0.1215 × 30 / 365 = 9.986… → 9.99.
    post(client, "/v1/admin/customers/acme/payments",
         {"invoice": number, "amount": "367.15", "received_on": "2026-04-10", "method": "transfer"})
    item = get(client, "/v1/admin/receivables?on=2026-05-01")["invoices"][0]
    assert (item["outstanding"], item["interest"]) == ("1000.00", "9.99")
    # ... but not on 2026-04-09, before it was received: 1367.15 × 0.1215 × 8 / 365 = 3.6407… → 3.64.
    item = get(client, "/v1/admin/receivables?on=2026-04-09")["invoices"][0]
    assert (item["outstanding"], item["days_late"], item["interest"]) == ("1367.15", 8, "3.64")


def test_a_half_year_without_a_rate_is_reported(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    at(clock, "2026-07-10")
    got = get(client, "/v1/admin/receivables?on=2026-07-10")
    assert got["missing_rates"] == ["2026-H2"]
    assert (got["invoices"][0]["interest"], got["invoices"][0]["indemnity"]) == (None, "40.00")
    refused = client.post("/v1/admin/customers/acme/late-payment-invoice", json={"on": "2026-07-10"}, headers=ADMIN)
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["missing_rates"] == ["2026-H2"]


def test_a_late_payment_invoice_is_issued_in_the_ordinary_series_outside_vat(
    client: TestClient, clock: FixedClock
) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-05-01")
    invoice = post(client, "/v1/admin/customers/acme/late-payment-invoice", {"on": "2026-05-01"})
    # The next number of the ordinary series; 13.65 interest + 40.00 indemnity = 53.65, no VAT.
    assert invoice["number"] == "FX-2026-000002"
    assert [(line["kind"], line["amount"]) for line in invoice["lines"]] == [
        ("late_interest", "13.65"), ("recovery_indemnity", "40.00")]
    assert (invoice["total_ht"], invoice["total_vat"], invoice["total_ttc"], invoice["vat_rate"]) == (
        "53.65", "0.00", "53.65", "0.00")
    assert "Hors champ" in invoice["vat_mention"]
    assert get(client, "/v1/invoices/FX-2026-000002")["total_ttc"] == "53.65"
    # Ten days later only the 10 new days are billed, and no second indemnity:
    # 1367.15 × 0.1215 × 10 / 365 = 4.5509… → 4.55.
    at(clock, "2026-05-11")
    second = post(client, "/v1/admin/customers/acme/late-payment-invoice", {"on": "2026-05-11"})
    assert [(line["kind"], line["amount"]) for line in second["lines"]] == [("late_interest", "4.55")]
    # The late-payment invoice itself bears no interest (no interest on interest).
    items = {i["number"]: i for i in get(client, "/v1/admin/receivables?on=2026-06-15")["invoices"]}
    assert items["FX-2026-000002"]["interest"] == "0.00" and items[number]["indemnity"] == "40.00"


def test_bad_late_payment_requests_are_refused_and_issue_nothing(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    at(clock, "2026-03-20")
    cases = [
        ({"on": "2026-03-20"}, 409),  # nothing late yet
        ({"on": "2026-04-20"}, 422),  # in the future
        ({"on": "20-04-2026"}, 422),
    ]
    for body, status in cases:
        response = client.post("/v1/admin/customers/acme/late-payment-invoice", json=body, headers=ADMIN)
        assert response.status_code == status, (body, response.text)
    response = client.post("/v1/admin/customers/nobody/late-payment-invoice", json={"on": "2026-03-20"},
                           headers=ADMIN)
    assert response.status_code == 404
    assert client.get("/v1/admin/receivables?on=2026-02-30", headers=ADMIN).status_code == 422
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.connect() as conn:
        assert len(conn.execute(select(t.invoices)).all()) == 1
