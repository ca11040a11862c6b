"""A bad event stops the projector at its position, reported on /health and in the logs; reads do not
fail; a rebuild that fails leaves the old read models exactly as they were."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, post
from support.factories import GRID_2026_A, contract, customer
from support.foundation_helpers import count, dump, signed_up

from billing.bootstrap import Container
from billing.commands.accounts import RecordIntervention
from billing.persistence import tables as t
from billing.persistence.projections import HandlerFailed, ReadModelProjector
from ledger.account import CustomerAccount
from ledger.clock import FixedClock

BAD = "export -- poisoned"


@contextmanager
def poisoned(projector: ReadModelProjector, event: type = CustomerAccount.InterventionRecorded) -> Iterator[None]:
    """Make the handler of ``event`` fail on the description BAD, as a handler bug would."""
    topic = get_topic(event)  # handlers are keyed by their event class's topic
    original = projector.handlers[topic]

    def failing(step: Any, e: Any, position: int) -> None:
        if getattr(e, "description", None) == BAD:
            raise ValueError("cannot project this intervention")
        original(step, e, position)

    projector.handlers[topic] = failing
    try:
        yield
    finally:
        projector.handlers[topic] = original


def test_a_failing_handler_stops_the_projector_at_that_event_and_reads_keep_working(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract())
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    projector = container.projector
    assert client.get("/health").json() == {"status": "ok", "projection": None}
    with poisoned(projector), caplog.at_level(logging.ERROR):
        post(client, "/v1/admin/customers/acme/interventions", {"on": "2026-02-11", "hours": "1.5",
                                                                 "description": BAD})
        bad_position = container.ledger.recorder.max_notification_id()
        # Another customer after the bad event: stored, but not projected past the bad event.
        post(client, "/v1/admin/customers", customer("globex"))
        health = client.get("/health")
        assert health.status_code == 503
        stopped = health.json()["projection"]
        assert stopped["position"] == bad_position
        assert stopped["event"] == "CustomerAccount.InterventionRecorded"
        assert "cannot project this intervention" in stopped["error"]
        assert stopped["event_id"].endswith("@3")  # registered, contract signed, then the intervention
        assert projector.position() == bad_position - 1  # everything before it was applied
        assert any("stopped at notification" in r.getMessage() for r in caplog.records)
        # Unrelated reads answer from the read models as they stand.
        for path in ("/v1/admin/customers/acme", "/v1/admin/months/2026-02", "/v1/admin/invoices",
                     "/v1/admin/customers/acme/usage?month=2026-02", "/v1/admin/price-grids"):
            assert client.get(path, headers=ADMIN).status_code == 200, path
    # The handler fixed (a new release), the projector moves on from where it stopped.
    projector.catch_up()
    assert client.get("/health").json()["status"] == "ok"
    assert projector.position() == container.ledger.recorder.max_notification_id()
    assert count(container.engine, t.interventions) == 1
    assert count(container.engine, t.accounts) == 2


def test_a_failed_rebuild_leaves_the_old_read_models(container: Container, clock: FixedClock) -> None:
    signed_up(container, "acme", "globex")
    container.accounts.record_intervention("acme", RecordIntervention(date(2026, 2, 11), Decimal("1.5"), BAD))
    container.projector.catch_up()
    before = dump(container.engine)
    position = container.projector.position()
    assert before["accounts"] and before["interventions"]
    with poisoned(container.projector), pytest.raises(HandlerFailed) as failed:
        container.projector.rebuild()
    assert failed.value.failure.event == "CustomerAccount.InterventionRecorded"
    assert dump(container.engine) == before
    assert container.projector.position() == position
    # And a rebuild that succeeds gives the same tables again.
    assert container.projector.rebuild() == position
    assert dump(container.engine) == before


def test_a_poison_event_stored_before_the_checks_existed_is_reported_and_the_rebuild_keeps_the_old_models(
    container: Container, settings: Any, backend: str, tmp_path: Any
) -> None:
    """A NUL in a legal name, stored by an older release (the aggregate built without its checks):
    PostgreSQL refuses it in a text column. The projector stops at it; the CLI rebuild fails with one
    line naming it and leaves the read models as they were."""
    if backend != "postgres":
        pytest.skip("SQLite stores NUL in text: the event projects there")
    import os
    import subprocess
    import sys
    from pathlib import Path

    from eventsourcing.application import Application

    from ledger.account import CustomerAccount
    from ledger.errors import InvalidInput

    signed_up(container, "acme")
    before = dump(container.engine)

    def poison() -> CustomerAccount:
        return CustomerAccount(account="evil", legal_name="EVIL\x00 SAS", siren=None, vat_number=None,
                               vat_regime="standard", billing_email="a@b.fr",
                               address={"line1": "x", "postcode": "1", "city": "x", "country": "DE"})

    # Today's save refuses it (ledger/event_guard.py, issue 17) and stores nothing ...
    stored = container.ledger.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as refused:
        container.ledger.save(poison())
    assert refused.value.field == "legal_name"
    assert container.ledger.recorder.max_notification_id() == stored
    # ... so the older release's save is eventsourcing's own, without the guard.
    Application.save(container.ledger, poison())
    container.projector.catch_up()
    failure = container.projector.failure
    assert failure is not None and failure.event == "CustomerAccount.Registered"
    assert failure.position == container.ledger.recorder.max_notification_id()
    assert dump(container.engine) == before

    env = {**os.environ, "BILLING_DATABASE_URL": settings.database_url, "BILLING_STORAGE_DIR": str(tmp_path)}
    billing = Path(sys.executable).parent / "billing"
    rebuilt = subprocess.run([str(billing), "rebuild-read-models"], env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    assert rebuilt.returncode == 1
    assert f"rebuild failed at notification {failure.position}" in rebuilt.stdout
    assert "Traceback" not in rebuilt.stdout + rebuilt.stderr
    assert dump(container.engine) == before
