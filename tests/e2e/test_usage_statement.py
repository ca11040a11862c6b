"""``usage.xlsx``: credits by day against the cap, late usage, and the cumulative chart (issue 11 §8)."""

from __future__ import annotations

import io
from datetime import date

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from support.api_helpers import ADMIN, at, post
from support.factories import GRID_2026_A, contract, customer, usage_events

from ledger.clock import FixedClock


def test_the_usage_statement_shows_the_day_the_cap_was_crossed(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    # Cap for 19 of 28 days: ceil(40,000 x 19/28) = 27,143. 20,000 credits on the 11th (2,000 x 10),
    # 10,000 on the 12th (1,000 x 10): cumulative 20,000 then 30,000 > 27,143 on the 12th.
    at(clock, "2026-02-13")
    post(client, "/v1/usage", {"events": usage_events("acme", 2000, at="2026-02-11T10:00:00+01:00", credits=10)}, 200)
    post(client, "/v1/usage", {"events": usage_events("acme", 1000, at="2026-02-12T23:30:00+01:00", credits=10,
                                                      prefix="late-evening")}, 200)
    token = post(client, "/v1/admin/tokens", {"role": "customer", "account": "acme"})["token"]
    response = client.get("/v1/customers/acme/usage.xlsx?month=2026-02", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Consommation"]
    rows = {r[0].date(): r[1:5] for r in sheet.iter_rows(min_row=4, max_row=31, values_only=True)}
    assert len(rows) == 28
    assert rows[date(2026, 2, 11)] == (20000, 20000, 27143, None)
    # 23:30 in Paris on the 12th is still the 12th (22:30 UTC).
    assert rows[date(2026, 2, 12)] == (10000, 30000, 27143, "oui")
    assert rows[date(2026, 2, 13)] == (0, 30000, 27143, "oui")
    assert len(sheet._charts) == 1
    assert "Usage tardif" in workbook.sheetnames

    assert client.get("/v1/customers/acme/usage.xlsx?month=2026-13", headers=ADMIN).status_code == 422
    assert client.get("/v1/customers/nobody/usage.xlsx?month=2026-02", headers=ADMIN).status_code == 404
    post(client, "/v1/admin/customers", customer("other"))
    other = post(client, "/v1/admin/tokens", {"role": "customer", "account": "other"})["token"]
    assert client.get("/v1/customers/acme/usage.xlsx?month=2026-02",
                      headers={"Authorization": f"Bearer {other}"}).status_code == 404


def test_the_usage_statement_reads_in_any_viewer_and_prices_the_overage(client: TestClient, clock: FixedClock) -> None:
    """Issue 19.7: frozen header, credits as numbers, overage in euros, totals stored as values."""
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    at(clock, "2026-02-13")
    # Cap 27,143 (19 of 28 days). 20,000 credits on the 11th, 15,000 on the 12th: cumulative 35,000,
    # excess 7,857 -> ceil(7,857 / 500) = 16 blocks x 2.50 = 40.00 (BILLING_RULES §10's figures).
    post(client, "/v1/usage", {"events": usage_events("acme", 2000, at="2026-02-11T10:00:00+01:00", credits=10)}, 200)
    post(client, "/v1/usage", {"events": usage_events("acme", 1500, at="2026-02-12T10:00:00+01:00", credits=10,
                                                      prefix="second")}, 200)
    response = client.get("/v1/customers/acme/usage.xlsx?month=2026-02", headers=ADMIN)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Consommation"]
    assert sheet.freeze_panes == "A4"
    assert sheet["F3"].value == "Dépassement cumulé (€ HT)"
    by_day = {r[0].value.date(): r for r in sheet.iter_rows(min_row=4, max_row=31)}
    eleventh, twelfth = by_day[date(2026, 2, 11)], by_day[date(2026, 2, 12)]
    assert eleventh[1].value == 20000 and eleventh[1].number_format == "#,##0"
    assert eleventh[5].value == 0  # 20,000 <= 27,143: no block yet
    assert twelfth[5].value == 40 and "€" in twelfth[5].number_format
    total = sheet[32]
    # The total is a stored number (20,000 + 15,000), not a formula a viewer would have to compute.
    assert total[0].value == "Total" and total[1].value == 35000 and total[5].value == 40
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for row in sheet.iter_rows() for c in row)
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$3:$3"
