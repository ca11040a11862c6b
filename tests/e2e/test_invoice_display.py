"""What the invoice shows (BILLING_RULES §3, §5.4, §5 VAT mentions), over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.api_helpers import at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer, usage_events

from ledger.clock import FixedClock

US = {"line1": "1 Main St", "postcode": "10001", "city": "New York", "country": "US"}


def test_an_export_invoice_shows_the_block_price_at_full_precision_and_the_export_mention(
    client: TestClient, clock: FixedClock
) -> None:
    plans = [{**p, "overage_block_price": "4.123456"} if p["code"] == "START" else p for p in GRID_2026_A["plans"]]
    post(client, "/v1/admin/price-grids", {**GRID_2026_A, "plans": plans})
    post(client, "/v1/admin/customers", customer("usco", siren=None, vat_number=None, vat_regime="export", address=US))
    post(client, "/v1/admin/customers/usco/contract", contract(
        "2026-02-01", plan="START", installation_fee="0.00", payment_method="transfer", mandate=None))
    # 6,500 credits in February: 1,500 over the 5,000 cap → 2 blocks × 4.123456 = 8.246912 → 8.25.
    post(client, "/v1/usage", {"events": usage_events("usco", 13, credits=500)}, 200)
    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    wait_closed(client, "2026-02")
    invoice = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]
    invoice = get(client, f"/v1/invoices/{invoice['number']}")
    overage = next(line for line in invoice["lines"] if line["kind"] == "overage")
    assert (overage["quantity"], overage["unit_price"], overage["amount"]) == ("2", "4.123456", "8.25")
    assert overage["details"]["block_price"] == "4.123456"
    # 90.00 + 8.25 = 98.25 HT, export: 0 % VAT with the mention of §5, TTC 98.25.
    assert (invoice["total_ht"], invoice["vat_rate"], invoice["total_vat"], invoice["total_ttc"]) == (
        "98.25", "0.00", "0.00", "98.25")
    assert invoice["vat_mention"] == "TVA non applicable, art. 259-1 du CGI"
