"""Hostile input never reaches the ledger: every command posted with hostile strings and numbers is
refused with a 4xx naming the field (or accepted in a clean form), never a 500, and every event
that was stored still projects: a rebuild of the read models succeeds and gives the same rows."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.api_helpers import ADMIN, at, close_february, post
from support.factories import GRID_2026_A, contract, customer, usage_events

from billing.persistence import tables as t
from ledger.clock import FixedClock

HOSTILE_STRINGS: list[Any] = [
    "\x00", "a\x00b", "ACME\x00 SAS", "\ud800", "x\x1b[31mred", "\u202eevil", "line\u2028sep", "\x7f", "\x85",
    "a" * 100_000, "", "   ", "\t", 0, 1e308, True, None, [], {}, ["a"], {"a": "b"},
]
HOSTILE_NUMBERS: list[Any] = [
    "1e30", "1E2", "1_000", "+5", " 5", "5 ", "007", "00.5", "NaN", "Infinity", "-Infinity", "1" * 25,
    "9" * 400, "\u0661\u0662", "0x10", "1.", ".5", "0.001", "-1", 1e30, 10**30, 1.5, True, "", "\x00",
    "1000000000.01", "744.01", "745", "5.123456789",
]
HOSTILE_DATES: list[Any] = [
    "0000-01-01", "9999-12-31", "1999-12-31", "2101-01-01", "2026-02-30", "2026-2-1", "+2026-01-01",
    "20260101", "2026-01-01T00:00:00", "\u0662\u0660\u0662\u0666-01-01", "2026-01-01\x00", 20260101, "",
]


def stored_events(client: TestClient) -> int:
    return int(client.app.state.container.ledger.recorder.max_notification_id() or 0)  # type: ignore[attr-defined]


def row_counts(client: TestClient) -> dict[str, int]:
    container = client.app.state.container  # type: ignore[attr-defined]
    container.projector.catch_up()
    with container.engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in t.PROJECTED_TABLES}


def set_path(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    clone = copy.deepcopy(body)
    target: Any = clone
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return clone


def send(client: TestClient, path: str, body: Any) -> Any:
    """POST raw JSON (ASCII-escaped, so lone surrogates travel as ``\\ud800`` as an attacker sends them)."""
    return client.post(path, content=json.dumps(body), headers={**ADMIN, "Content-Type": "application/json"})


def ensure(client: TestClient, path: str, body: Any) -> None:
    """The clean command, unless a hostile variant that was valid after all did it already (409)."""
    response = client.post(path, json=body, headers=ADMIN)
    assert response.status_code in (201, 409), response.text


def hammer(client: TestClient, path: str, body: dict[str, Any], fields: dict[str, list[Any]]) -> int:
    """Post ``body`` with each field replaced by each hostile value: never a 5xx; a 422 writes nothing."""
    refused = 0
    for field, values in fields.items():
        for value in values:
            before = stored_events(client)
            response = send(client, path, set_path(body, field, value))
            assert response.status_code < 500, (path, field, repr(value)[:80], response.text[:300])
            if response.status_code == 422:
                refused += 1
                assert stored_events(client) == before, (path, field, repr(value)[:80])
                assert response.json()["error"]["details"], response.text
    return refused


def test_every_command_with_hostile_values_is_refused_and_the_ledger_still_projects(
    client: TestClient, clock: FixedClock
) -> None:
    text, numbers, dates = HOSTILE_STRINGS, HOSTILE_NUMBERS, HOSTILE_DATES
    grid = {**GRID_2026_A, "version": "2026-B", "effective_from": "2026-05-01", "notified_on": "2026-03-20"}
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    refused = 0
    commands: list[tuple[str, dict[str, Any], dict[str, list[Any]], Callable[[], None] | None]] = [
        ("/v1/admin/customers", customer("other"), {
            "account": text, "legal_name": text, "siren": text, "vat_number": text, "vat_regime": text,
            "billing_email": [*text, "a@b.c\x00", "é@b.fr"], "address.line1": text, "address.line2": text,
            "address.postcode": text, "address.city": text, "address.country": text}, None),
    ]
    for path, body, fields, _ in commands:
        refused += hammer(client, path, body, fields)
    # A clean customer and contract, then every account command.
    post(client, "/v1/admin/customers", customer("acme"))
    refused += hammer(client, "/v1/admin/customers/acme/contract", contract(), {
        "plan": text, "service_start": dates, "installation_fee": numbers, "payment_method": text,
        "mandate.reference": text, "mandate.signed_on": dates, "mandate.iban": text, "mandate.bic": text,
    })
    ensure(client, "/v1/admin/customers/acme/contract", contract())
    at(clock, "2026-03-20")
    refused += hammer(client, "/v1/admin/price-grids", grid, {
        "version": text, "effective_from": dates, "notified_on": dates, "vat_rate": numbers,
        "plans.0.code": text, "plans.0.name": text, "plans.0.monthly_fee": numbers,
        "plans.0.included_credits": numbers, "plans.0.overage_block_price": numbers,
        "options.advanced_support.0.hours": numbers, "options.advanced_support.0.code": text,
        "hourly_rates.specific_development": numbers,
    })
    refused += hammer(client, "/v1/admin/customers/acme/options",
                      {"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-03-01"},
                      {"option": text, "pack": text, "accepted_on": dates})
    ensure(client, "/v1/admin/customers/acme/options",
           {"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-03-01"})
    refused += hammer(client, "/v1/admin/customers/acme/support-hours",
                      {"on": "2026-03-12", "hours": "2.5", "note": "call"},
                      {"on": dates, "hours": numbers, "note": text})
    refused += hammer(client, "/v1/admin/customers/acme/interventions",
                      {"on": "2026-03-12", "hours": "1.5", "description": "export"},
                      {"on": dates, "hours": numbers, "description": text})
    refused += hammer(client, "/v1/admin/customers/acme/penalty-credits",
                      {"amount": "30.00", "reason": "outage", "incident_on": "2026-03-03",
                       "granted_on": "2026-03-20"},
                      {"id": text, "amount": numbers, "reason": text, "incident_on": dates, "granted_on": dates})
    refused += hammer(client, "/v1/admin/customers/acme/options/advanced_support/end",
                      {"ended_on": "2026-03-31"}, {"ended_on": dates})
    refused += hammer(client, "/v1/admin/customers/acme/termination",
                      {"notified_on": "2026-03-20", "channel": "email"},
                      {"notified_on": dates, "channel": text, "requested_end": dates})
    refused += hammer(client, "/v1/admin/customers/acme/interventions/1/withdraw", {"reason": "posted twice"},
                      {"reason": text})
    refused += hammer(client, "/v1/admin/tokens", {"role": "customer", "account": "acme"},
                      {"role": text, "account": text})
    refused += hammer(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, {"issue_date": dates})
    # Usage with hostile ids, accounts, instants and credits (one event a request).
    at(clock, "2026-02-20")
    base = usage_events("acme", 1)[0]
    for field, values in {"id": text, "account": text, "at": dates + text, "credits": numbers}.items():
        for value in values:
            response = send(client, "/v1/usage", {"events": [{**base, field: value}]})
            assert response.status_code < 500, (field, repr(value)[:80], response.text[:300])
    # A payment needs an invoice: close February, then hammer the payment.
    invoice = close_february(client, clock)
    number = client.get("/v1/admin/invoices?month=2026-02", headers=ADMIN).json()["invoices"][0]["number"]
    assert invoice["invoices"] == 1
    refused += hammer(client, "/v1/admin/customers/acme/payments",
                      {"invoice": number, "amount": "10.00", "received_on": "2026-03-05", "method": "transfer",
                       "reference": "VIR 1"},
                      {"invoice": text, "amount": numbers, "received_on": dates, "method": text, "reference": text})
    assert refused > 500  # the hammer did reach the checks

    # Every stored event projects: a rebuild from the ledger alone gives the same rows.
    before = row_counts(client)
    container = client.app.state.container  # type: ignore[attr-defined]
    container.projector.rebuild()
    assert row_counts(client) == before
    assert container.projector.position() == stored_events(client)
    # And the reads that broke in the report all answer.
    for path in ("/v1/admin/months/2026-03", "/v1/admin/months/2026-03/preview?issue_date=2026-04-01",
                 "/v1/admin/customers/acme", "/v1/admin/customers/acme/usage?month=2026-02",
                 "/v1/admin/invoices"):
        assert client.get(path, headers=ADMIN).status_code == 200, path
