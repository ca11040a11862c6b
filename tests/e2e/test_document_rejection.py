"""A document that fails its Factur-X rules is not stored: the rule ids are recorded on the invoice
and shown to finance; the month preview runs the same checks on its drafts (issue 11 §3).

Here FLEXIO's VAT number, a setting without default (BILLING_RULES §1b), is not set: EN 16931
BR-S-02 wants the seller's VAT identifier on a standard-rated invoice.
"""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, close_february, get, post
from support.factories import GRID_2026_A, contract, customer, usage_events

from ledger.clock import FixedClock


def test_an_invoice_failing_factur_x_rules_is_not_stored_and_finance_sees_the_rules(
    client: TestClient, clock: FixedClock
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    post(client, "/v1/usage", {"events": usage_events("acme", 10)}, 200)

    at(clock, "2026-03-02")
    preview = get(client, "/v1/admin/months/2026-02/preview?issue_date=2026-03-02")
    [problem] = preview["document_errors"]
    assert problem["account"] == "acme"
    assert "BR-S-02" in {f["rule"] for f in problem["failures"]}
    assert preview["invoices"][0]["buyer"]["siren"] == "312456783"  # the identity the close would freeze

    close_february(client, clock)
    deadline = time.monotonic() + 60
    while (state := get(client, "/v1/admin/invoices/FX-2026-000001/document"))["status"] == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["status"] == "rejected"
    assert "BR-S-02" in {f["rule"] for f in state["failures"]}
    invoice = get(client, "/v1/invoices/FX-2026-000001")
    assert invoice["document"]["status"] == "rejected"
    response = client.get("/v1/invoices/FX-2026-000001.pdf", headers=ADMIN)
    assert response.status_code == 409
    assert "BR-S-02" in {f["rule"] for f in response.json()["error"]["details"]["failures"]}
    # Nothing stored on disk.
    storage = client.app.state.container.settings.storage_dir  # type: ignore[attr-defined]
    assert not list(storage.rglob("*.pdf"))
