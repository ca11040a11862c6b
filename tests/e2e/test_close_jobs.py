"""The close's jobs over HTTP, with the app's in-process Dramatiq worker (issues 17 and 20).

- A close requested while a month of documents is being rendered does not wait for them: short
  jobs have their own queue and a worker thread of their own (measured before: a close waited
  about 100 s behind 4,800 PDFs).
- A close whose message was lost is sent again by the watchdog of the in-process worker once it
  has made no progress for ``BILLING_CLOSE_STALL_SECONDS``: nobody asks again.

Both backends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.api_helpers import at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer

from billing.api.app import create_app
from billing.bootstrap import bootstrap
from billing.jobs import Jobs
from billing.services.documents import DocumentService
from billing.settings import Settings
from ledger.clock import FixedClock

RENDER_SECONDS = 1.5  # one render chunk (250 documents) takes a few seconds on these machines
RENDER_JOBS = 20  # 30 s of rendering queued ahead of the close


def setup_acme(client: TestClient) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-01", installation_fee="0.00"))


def test_a_close_is_not_queued_behind_rendering(client: TestClient, clock: FixedClock,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    setup_acme(client)
    rendering = threading.Event()
    rendered: list[float] = []

    def slow_render(self: Any, limit: int | None = None) -> dict[str, int]:
        rendering.set()
        time.sleep(RENDER_SECONDS)
        rendered.append(time.monotonic())
        return {"stored": 0, "rejected": 0, "remaining": 0}

    monkeypatch.setattr(DocumentService, "render_pending", slow_render)
    jobs: Jobs = client.app.state.container.jobs  # type: ignore[attr-defined]
    for _ in range(RENDER_JOBS):
        jobs.render_documents.send()
    assert rendering.wait(10)  # the bulk worker is busy with the first chunk, 19 more queued
    at(clock, "2026-03-02")
    started = time.monotonic()
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    state = wait_closed(client, "2026-02", timeout=RENDER_SECONDS * 4)
    waited = time.monotonic() - started
    # PRO, all February, no installation fee: 500.00 HT, +20 % VAT = 600.00 TTC.
    assert (state["invoices"], state["total_ht"], state["total_ttc"]) == (1, "500.00", "600.00")
    assert waited < RENDER_SECONDS * 4, waited  # not behind 20 x 1.5 s = 30 s of rendering
    assert len(rendered) < RENDER_JOBS  # the renders were still queued when the close finished


@pytest.fixture
def quick_watchdog(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    """The app with BILLING_CLOSE_STALL_SECONDS=1 (the watchdog looks every 0.25 s)."""
    quick = settings.model_copy(update={"close_stall_seconds": 1})
    app = create_app(lambda: bootstrap(quick, clock, migrate=True), background=False)
    with TestClient(app) as test_client:
        yield test_client


def test_a_lost_close_message_is_sent_again_by_the_in_process_watchdog(
    quick_watchdog: TestClient, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = quick_watchdog
    setup_acme(client)
    send_close = Jobs.send_close
    lost: list[str] = []

    def lose_the_first(self: Jobs, month: str) -> str | None:
        if not lost:
            lost.append(month)
            return "lost-message"  # as if the broker had dropped it
        return send_close(self, month)

    monkeypatch.setattr(Jobs, "send_close", lose_the_first)
    at(clock, "2026-03-02")
    answer = post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    assert (answer["status"], answer["job"], lost) == ("closing", "lost-message", ["2026-02"])
    time.sleep(1)  # the watchdog looks; the clock has not moved: no stall yet
    state = get(client, "/v1/admin/months/2026-02")
    assert state["status"] == "closing"
    assert state["progress"] == {"invoiced": 0, "accounts": 1} and state["last_chunk_at"] is None
    clock.advance(timedelta(seconds=1))  # one stall without progress: the watchdog sends it again
    state = wait_closed(client, "2026-02", timeout=20)
    # PRO, all February, no installation fee: 500.00 HT, +20 % VAT = 600.00 TTC.
    assert (state["invoices"], state["total_ht"], state["total_ttc"]) == (1, "500.00", "600.00")
    assert state["last_chunk_at"] is not None
    invoices = get(client, "/v1/admin/invoices?month=2026-02")["invoices"]
    assert [i["number"] for i in invoices] == ["FX-2026-000001"]
