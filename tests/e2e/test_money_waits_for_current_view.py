"""Issue 17 items 2-3: money waits for a current view; a stopped projector is an incident.

With the projector stopped at a poison event, every decision about money (the close request, the
preview, the SEPA export, receivables, late-payment invoices, the workbook, the FEC) answers 503
with Retry-After and names the event, and nothing is issued or exported; GET /v1/admin/projection
and `billing projection status` show the stop; once the projector moves on, they answer as before.

The scenario of tests/e2e/test_sepa_export.py: acme (service start 2026-02-10, PRO 500.00,
installation 800.00): plan 500 × 19/28 = 339.285… → 339.29, + 800.00 = HT 1139.29, VAT 20 % 227.858
→ 227.86, TTC 1367.15.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.api_helpers import ADMIN, at, close_february, get, post, wait_closed
from support.factories import contract, customer
from support.http_helpers import setup_customer
from test_sepa_export import settings  # noqa: F401  (the creditor settings fixture)

from billing.bootstrap import Container
from billing.persistence import tables as t
from billing.persistence.projections import ReadModelProjector
from billing.settings import Settings
from ledger.account import CustomerAccount
from ledger.clock import FixedClock

BAD = "export -- poisoned"
EVENT = "CustomerAccount.InterventionRecorded"
TOPIC = get_topic(CustomerAccount.InterventionRecorded)  # the key of its handler


@contextmanager
def poisoned(projector: ReadModelProjector) -> Iterator[None]:
    """The handler of interventions fails on the description BAD, as a handler bug would."""
    original = projector.handlers[TOPIC]

    def failing(step: Any, e: Any, position: int) -> None:
        if getattr(e, "description", None) == BAD:
            raise ValueError("cannot project this intervention")
        original(step, e, position)

    projector.handlers[TOPIC] = failing
    try:
        yield
    finally:
        projector.handlers[TOPIC] = original


def container_of(client: TestClient) -> Container:
    return client.app.state.container  # type: ignore[attr-defined,no-any-return]


def assert_unavailable(response: Any, bad_position: int) -> dict[str, Any]:
    """A 503 with Retry-After whose body names the event the projector is stopped at."""
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert f"notification {bad_position}" in error["message"]
    stopped = error["details"]["stopped_at"]
    assert stopped["notification"] == bad_position
    assert stopped["topic"].endswith(":" + EVENT)
    assert "cannot project this intervention" in stopped["error"]
    return dict(error["details"])


def poison(client: TestClient, on: str) -> int:
    """Record the poison intervention for acme: a fact recorded (201), the projector stopped at it."""
    post(client, "/v1/admin/customers/acme/interventions", {"on": on, "hours": "1.5", "description": BAD})
    return int(container_of(client).ledger.recorder.max_notification_id())


def test_the_close_and_the_preview_wait_while_the_projector_is_stopped(
    client: TestClient, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    setup_customer(client)
    container = container_of(client)
    with poisoned(container.projector), caplog.at_level(logging.ERROR):
        bad = poison(client, "2026-02-11")
        # 600 customers in the incident; one is enough: registered and signed after the stop.
        post(client, "/v1/admin/customers", customer("globex"))
        post(client, "/v1/admin/customers/globex/contract", contract())
        head = int(container.ledger.recorder.max_notification_id())
        at(clock, "2026-03-02")
        preview = client.get("/v1/admin/months/2026-02/preview?issue_date=2026-03-02", headers=ADMIN)
        details = assert_unavailable(preview, bad)
        assert details["head"] >= bad and details["position"] == bad - 1
        close = client.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-02"}, headers=ADMIN)
        assert_unavailable(close, bad)
        # Nothing issued, the month not even started: no MonthClose, no invoice, no number taken.
        assert get(client, "/v1/admin/months/2026-02")["status"] == "open"
        assert get(client, "/v1/admin/invoices")["invoices"] == []
        assert client.get("/health").status_code == 503
        status = get(client, "/v1/admin/projection")
        assert status == {
            "position": bad - 1, "head": head, "lag": head - (bad - 1), "stopped": True,
            "stopped_at": {"notification": bad, "topic": status["stopped_at"]["topic"],
                           "error": "ValueError: cannot project this intervention",
                           "since": "2026-02-12T12:00:00+01:00"},  # the clock when it stopped
        }
        assert status["stopped_at"]["topic"].endswith(":" + EVENT)
        # One incident, one error line, however many requests and steps retried the event.
        container.projector.catch_up()
        stops = [r for r in caplog.records if "stopped at notification" in r.getMessage()]
        assert len(stops) == 1 and stops[0].levelno == logging.ERROR and EVENT in stops[0].getMessage()
    # The handler fixed (a new release): the next request's sync moves the projector on.
    preview = get(client, "/v1/admin/months/2026-02/preview?issue_date=2026-03-02")
    assert sorted(i["account"] for i in preview["invoices"]) == ["acme", "globex"]
    globex = next(i for i in preview["invoices"] if i["account"] == "globex")
    assert globex["total_ttc"] == "1367.15"
    assert get(client, "/v1/admin/projection") == {
        "position": head, "head": head, "lag": 0, "stopped": False, "stopped_at": None}
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    assert wait_closed(client, "2026-02")["invoices"] == 2  # both accounts: none left out
    numbers = sorted(i["number"] for i in get(client, "/v1/admin/invoices?month=2026-02")["invoices"])
    assert numbers == ["FX-2026-000001", "FX-2026-000002"]


def test_exports_receivables_and_late_payment_invoices_wait_while_the_projector_is_stopped(
    client: TestClient, clock: FixedClock, settings: Settings  # noqa: F811
) -> None:
    setup_customer(client)
    close_february(client, clock)
    container = container_of(client)
    at(clock, "2026-03-30")
    with poisoned(container.projector):
        bad = poison(client, "2026-03-15")
        assert_unavailable(client.post("/v1/admin/exports/sepa", headers=ADMIN,
                                       json={"collection_date": "2026-04-01", "scheme": "CORE"}), bad)
        at(clock, "2026-05-01")
        assert_unavailable(client.get("/v1/admin/receivables?on=2026-05-01", headers=ADMIN), bad)
        assert_unavailable(client.post("/v1/admin/customers/acme/late-payment-invoice", headers=ADMIN,
                                       json={"on": "2026-05-01"}), bad)
        assert_unavailable(client.get("/v1/admin/exports/invoices.xlsx?from=2026-02&to=2026-03", headers=ADMIN), bad)
        assert_unavailable(client.get("/v1/admin/exports/fec?year=2026", headers=ADMIN), bad)
        # Nothing exported nor issued: no SEPA file recorded or written, no late-payment invoice.
        with container.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.sepa_files)).scalar() == 0
            assert conn.execute(select(func.count()).select_from(t.invoices)).scalar() == 1
        assert not list(Path(settings.storage_dir).glob("sepa/*"))
        assert get(client, "/v1/admin/invoices")["invoices"][0]["number"] == "FX-2026-000001"
    # Moved on: every one answers as before.
    at(clock, "2026-03-30")
    sepa = client.post("/v1/admin/exports/sepa", headers=ADMIN, json={"collection_date": "2026-04-01", "scheme": "CORE"})
    assert sepa.status_code == 200, sepa.text
    at(clock, "2026-05-01")
    # 30 days late (2 April to 1 May) at 12.15 %: 1367.15 × 0.1215 × 30 / 365 = 13.6527… → 13.65, + 40.00.
    item = get(client, "/v1/admin/receivables?on=2026-05-01")["invoices"][0]
    assert (item["outstanding"], item["interest"], item["indemnity"]) == ("1367.15", "13.65", "40.00")
    late = post(client, "/v1/admin/customers/acme/late-payment-invoice", {"on": "2026-05-01"})
    assert (late["number"], late["total_ttc"]) == ("FX-2026-000002", "53.65")  # 13.65 + 40.00, no VAT
    assert client.get("/v1/admin/exports/invoices.xlsx?from=2026-02&to=2026-03", headers=ADMIN).status_code == 200
    assert client.get("/v1/admin/exports/fec?year=2026", headers=ADMIN).status_code == 200


def test_a_view_still_behind_the_ledger_after_the_wait_is_a_503_not_a_stale_answer(
    client: TestClient, clock: FixedClock
) -> None:
    """A backlog that takes longer than BILLING_READ_MODEL_WAIT to project: 503 'behind', then 200."""
    setup_customer(client)
    container = container_of(client)
    projector = container.projector
    original = projector.handlers[get_topic(CustomerAccount.Registered)]

    def slow(step: Any, e: Any, position: int) -> None:
        time.sleep(0.3)  # a slow step, as a large backlog would take
        original(step, e, position)

    projector.handlers[get_topic(CustomerAccount.Registered)] = slow
    projector.batch_size = 1  # one event a step: the wait is checked between steps
    container.read_models.wait_seconds = 0.1
    try:
        for account in ("globex", "initech"):  # stored through the ledger, nobody projects them yet
            container.ledger.save(customer_aggregate(account))
        head = int(container.ledger.recorder.max_notification_id())
        at(clock, "2026-03-02")
        response = client.get("/v1/admin/months/2026-02/preview?issue_date=2026-03-02", headers=ADMIN)
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) > 0
        error = response.json()["error"]
        assert error["code"] == "unavailable"
        assert error["details"]["reason"] == "projection_behind"
        assert error["details"]["head"] == head and 0 < error["details"]["lag"] < 3
    finally:
        projector.handlers[get_topic(CustomerAccount.Registered)] = original
        projector.batch_size = 500
        container.read_models.wait_seconds = 5.0
    assert get(client, "/v1/admin/months/2026-02/preview?issue_date=2026-03-02")["month"] == "2026-02"


def customer_aggregate(account: str) -> Any:
    from ledger.account import CustomerAccount

    return CustomerAccount(account=account, legal_name=f"{account} SAS", siren=None, vat_number=None,
                           vat_regime="standard", billing_email="a@b.fr",
                           address={"line1": "x", "postcode": "1", "city": "x", "country": "DE"})


def test_billing_projection_status_shows_the_stop_and_exits_1(
    container: Container, settings: Settings, tmp_path: Any  # noqa: F811
) -> None:
    """In another process (no projector thread there): the CLI finds the stop by trying to project.

    The poison is a stored event whose class a release removed (its topic resolves to nothing),
    the case README "Stored events" warns about: the projector cannot even read it."""
    from uuid import uuid4

    from eventsourcing.persistence import StoredEvent
    from support.foundation_helpers import signed_up

    signed_up(container, "acme")
    container.projector.catch_up()
    env = {**os.environ, "BILLING_DATABASE_URL": settings.database_url, "BILLING_STORAGE_DIR": str(tmp_path)}
    billing = Path(sys.executable).parent / "billing"

    def status() -> tuple[int, dict[str, Any]]:
        done = subprocess.run([str(billing), "projection", "status"], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        return done.returncode, json.loads(done.stdout)

    head = int(container.ledger.recorder.max_notification_id())
    assert status() == (0, {"position": head, "head": head, "lag": 0, "stopped": False, "stopped_at": None})
    topic = "ledger.account:CustomerAccount.Vanished"
    container.ledger.recorder.insert_events(
        [StoredEvent(originator_id=uuid4(), originator_version=1, topic=topic, state=b"{}")])
    bad = int(container.ledger.recorder.max_notification_id())
    code, shown = status()
    assert code == 1
    stopped_at = shown.pop("stopped_at")
    assert shown == {"position": head, "head": bad, "lag": bad - head, "stopped": True}
    assert (stopped_at["notification"], stopped_at["topic"]) == (bad, topic)
    assert stopped_at["error"]
    assert datetime.fromisoformat(stopped_at["since"]).utcoffset() is not None  # an instant with its offset
