"""Small helpers shared by the HTTP tests: move the clock, post and get as finance would."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from ledger.clock import PARIS, FixedClock

ADMIN = {"Authorization": "Bearer test-admin-token"}  # the admin token of tests/conftest.py


def at(clock: FixedClock, day: str, hour: int = 12) -> None:
    """Move the clock to ``day`` at ``hour`` in Paris."""
    clock.set(datetime.fromisoformat(day).replace(hour=hour, tzinfo=PARIS))


def post(client: TestClient, path: str, body: Any, status: int = 201) -> Any:
    response = client.post(path, json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    return response.json()


def get(client: TestClient, path: str) -> Any:
    response = client.get(path, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()
