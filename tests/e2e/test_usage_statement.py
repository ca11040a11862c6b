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
    rows = {r[0].date(): r[1:] for r in sheet.iter_rows(min_row=4, max_row=31, values_only=True)}
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
