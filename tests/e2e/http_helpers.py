"""Helpers for the HTTP tests: set up a grid and customers, create tokens, close a month."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from factories import GRID_2026_A, contract, customer
from fastapi.testclient import TestClient

from ledger.clock import PARIS, FixedClock

ADMIN = {"Authorization": "Bearer test-admin-token"}  # as tests/conftest.py ADMIN (settings.admin_token)


def setup_customer(client: TestClient, account: str = "acme", **contract_overrides: Any) -> None:
    """The grid 2026-A (idempotent when posted again), a customer and its contract, over HTTP."""
    response = client.post("/v1/admin/price-grids", json=GRID_2026_A, headers=ADMIN)
    assert response.status_code == 201, response.text
    response = client.post("/v1/admin/customers", json=customer(account), headers=ADMIN)
    assert response.status_code == 201, response.text
    response = client.post(f"/v1/admin/customers/{account}/contract", json=contract(**contract_overrides),
                           headers=ADMIN)
    assert response.status_code == 201, response.text


def token(client: TestClient, role: str, account: str | None = None) -> dict[str, str]:
    body: dict[str, Any] = {"role": role}
    if account is not None:
        body["account"] = account
    response = client.post("/v1/admin/tokens", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def close_february(client: TestClient, clock: FixedClock) -> dict[str, Any]:
    """Move to 2 March 2026 and close February 2026 (issue date 2026-03-02); wait until closed."""
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=PARIS))
    response = client.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-02"}, headers=ADMIN)
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 20
    while True:
        state = client.get("/v1/admin/months/2026-02", headers=ADMIN)
        assert state.status_code == 200, state.text
        if state.json()["status"] == "closed":
            return dict(state.json())
        assert time.monotonic() < deadline, state.json()
        time.sleep(0.05)
