"""Small helpers shared by the HTTP tests: move the clock, post and get as finance would."""

from __future__ import annotations

import time
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


def wait_closed(client: TestClient, month: str, timeout: float = 60, *, documents: bool = False) -> dict[str, Any]:
    """Poll the month until its close job has finished; with ``documents``, also the jobs that
    follow it (documents rendered or rejected, stored ones mailed or failed), so that nothing
    writes to the ledger afterwards."""
    deadline = time.monotonic() + timeout
    while True:
        state = get(client, f"/v1/admin/months/{month}")
        if state["status"] == "closed" and (not documents or documents_settled(client, month)):
            return state
        assert time.monotonic() < deadline, f"month {month} still {state['status']} or its documents pending"
        time.sleep(0.05)


def documents_settled(client: TestClient, month: str) -> bool:
    """Issue 11: every invoice of the month has its document stored (and mailed) or rejected."""
    for invoice in get(client, f"/v1/admin/invoices?month={month}")["invoices"]:
        document = invoice.get("document") or {}
        if document.get("status") in (None, "pending"):
            return False
        if document["status"] == "stored" and document.get("mail") is None:
            return False
    return True


def close_february(client: TestClient, clock: FixedClock) -> dict[str, Any]:
    """Move to 2 March 2026, close February 2026 (issue date 2026-03-02) and wait until it is closed."""
    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    return wait_closed(client, "2026-02", documents=True)
