"""Helpers for the HTTP tests: set up a grid and customers, create tokens (closing: api_helpers)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from support.api_helpers import ADMIN, close_february, post
from support.factories import GRID_2026_A, contract, customer

__all__ = ["ADMIN", "close_february", "setup_customer", "token"]


def setup_customer(client: TestClient, account: str = "acme", **contract_overrides: Any) -> None:
    """The grid 2026-A (idempotent when posted again), a customer and its contract, over HTTP."""
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer(account))
    post(client, f"/v1/admin/customers/{account}/contract", contract(**contract_overrides))


def token(client: TestClient, role: str, account: str | None = None) -> dict[str, str]:
    body: dict[str, Any] = {"role": role}
    if account is not None:
        body["account"] = account
    return {"Authorization": f"Bearer {post(client, '/v1/admin/tokens', body)['token']}"}

