"""``billing audit`` and ``GET /v1/admin/audit`` (API.md "Operations and audit", issue 18) on SQLite and
PostgreSQL: the invariants over the real outputs, the exact answer shape, exit status 1 when not ok.

The world: acme (PRO from 2026-02-10, installation 800.00, sepa_debit) and February closed on 2026-03-02:
plan 500 × 19/28 = 339.29, installation 800.00, HT 1139.29, VAT 227.86, TTC 1367.15 (FX-2026-000001).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN
from fastapi.testclient import TestClient
from sqlalchemy import update
from support.api_helpers import close_february, post
from support.factories import GRID_2026_A, contract, customer
from support.foundation_helpers import close_february as close_february_here
from support.foundation_helpers import signed_up
from typer.testing import CliRunner

from billing.bootstrap import Container
from billing.cli import app
from billing.commands.payments import RecordPayment
from billing.persistence import tables as t
from invoices.invariants import INVARIANTS
from ledger.clock import FixedClock

NAMES = [name for name, _ in INVARIANTS]


@pytest.fixture
def cli_env(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("BILLING_STORAGE_DIR", str(container.settings.storage_dir))
    monkeypatch.setenv("BILLING_ADMIN_TOKEN", "x")


def test_the_audit_answers_ok_with_every_invariant_checked(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    close_february(client, clock)
    post(client, "/v1/admin/customers/acme/payments", {"invoice": "FX-2026-000001", "amount": "1367.15",
                                                       "received_on": "2026-03-20", "method": "transfer",
                                                       "reference": "VIR-1"})
    response = client.get("/v1/admin/audit", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "checked": NAMES, "differences": []}
    assert client.get("/v1/admin/audit").status_code == 401


def test_billing_audit_prints_the_same_answer_and_exits_0_when_ok(
    container: Container, clock: FixedClock, cli_env: None
) -> None:
    signed_up(container, "acme")
    close_february_here(container, clock)
    result = CliRunner().invoke(app, ["audit"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True, "checked": NAMES, "differences": []}


def test_an_exported_fec_entry_changed_since_the_previous_export_fails_the_audit_with_exit_1(
    container: Container, clock: FixedClock, cli_env: None
) -> None:
    signed_up(container, "acme")
    close_february_here(container, clock)
    assert container.audit.run().ok  # keeps this FEC for the next audit
    kept = Path(container.settings.storage_dir) / "audit" / "fec-2026.txt"
    # The kept export said entry 1 debited 411 with 1367.00, not 1367.15: the entry changed since.
    kept.write_bytes(kept.read_bytes().replace(b"1367,15", b"1367,00", 1))
    result = CliRunner().invoke(app, ["audit", "--no-rebuild"])
    assert result.exit_code == 1, result.output
    answer = json.loads(result.output)
    assert answer["ok"] is False and "read_models_match_rebuild" not in answer["checked"]
    assert [(d["invariant"], d["details"]["entry"]) for d in answer["differences"]] == [("fec_entries_kept", 1)]


def test_a_read_model_edited_behind_the_ledger_differs_from_its_rebuild(container: Container, clock: FixedClock) -> None:
    signed_up(container, "acme")
    close_february_here(container, clock)
    container.payments.record("acme", RecordPayment("FX-2026-000001", "1367.15", "2026-03-20", "transfer", "VIR-1"))
    with container.engine.begin() as conn:  # no event says so: only a rebuild from the ledger can tell
        conn.execute(update(t.payments).values(received_on=date(2026, 3, 21)))
    result = container.audit.run(keep_fec=False)
    assert not result.ok
    assert {"invariant": "read_models_match_rebuild",
            "message": "the read model payments differs from a rebuild from the ledger",
            "details": {"table": "payments"}} in [d.as_dict() for d in result.differences]
