"""Issue 22, item 2: each stored invoice and credit note of a French business customer is transmitted to
the plateforme agréée by a job, once, against the test platform over real HTTP (no mock): the flow it
received carries our number as trackingId and the stored PDF's SHA-256; a 4xx is recorded and shown in
the invoice JSON; a 503 is retried; customers routed elsewhere, and a service without BILLING_PA_*, send
nothing."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from support.api_helpers import ADMIN, close_february, get, post
from support.factories import GRID_2026_A, contract, customer, usage_events
from support.pa_platform import RunningPlatform, running_platform

from billing.settings import Settings
from ledger.clock import FixedClock
from ledger.credit_note import CreditNote
from ledger.invoice import Invoice

US = {"line1": "1 Main St", "postcode": "10001", "city": "New York", "country": "US"}
BE = {"line1": "Rue de la Loi 16", "postcode": "1000", "city": "Bruxelles", "country": "BE"}
MONACO = {"line1": "1 bd des Moulins", "postcode": "98000", "city": "Monaco", "country": "MC"}


@pytest.fixture
def pa() -> Iterator[RunningPlatform]:
    with running_platform() as running:
        yield running
        assert running.platform.violations == []  # every request we sent fits the Flow Service spec


@pytest.fixture
def settings(settings: Settings, pa: RunningPlatform, request: pytest.FixtureRequest) -> Settings:
    update: dict[str, Any] = {"seller_vat_number": "FR94820015006", "sepa_creditor_id": "FR72ZZZ123456",
                              "sepa_creditor_iban": "FR7630006000011234567890189"}
    if "unset" not in request.node.name:
        update.update(pa_url=pa.base_url, pa_token_url=pa.token_url, pa_client_id=pa.platform.client_id,
                      pa_client_secret=SecretStr(pa.platform.client_secret))
    return settings.model_copy(update=update)


def wait_for(predicate: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return value


def close_with(client: TestClient, clock: FixedClock, *customers: dict[str, Any]) -> dict[str, str]:
    """Close February 2026 for these customers; their invoice numbers by account."""
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    for body in customers:
        account = body["account"]
        post(client, "/v1/admin/customers", body)
        post(client, f"/v1/admin/customers/{account}/contract",
             contract("2026-02-10", payment_method="transfer", mandate=None))
        post(client, "/v1/usage", {"events": usage_events(account, 3, prefix=account)}, 200)
    close_february(client, clock)
    return {i["account"]: i["number"] for i in get(client, "/v1/admin/invoices?month=2026-02")["invoices"]}


def invoice(client: TestClient, number: str) -> dict[str, Any]:
    get(client, f"/v1/admin/invoices/{number}/document")  # catches the read models up
    found: dict[str, Any] = get(client, f"/v1/invoices/{number}")
    return found


def transmission(client: TestClient, number: str) -> dict[str, Any] | None:
    value: dict[str, Any] | None = invoice(client, number)["transmission"]
    return value


def mailed(client: TestClient, number: str) -> bool:
    return bool(get(client, f"/v1/admin/invoices/{number}/document")["mail"])


def ledger_events(client: TestClient, aggregate_id: Any) -> list[Any]:
    container = client.app.state.container  # type: ignore[attr-defined]
    return list(container.ledger.events.get(aggregate_id))


def events(client: TestClient, aggregate_id: Any) -> list[str]:
    return [type(e).__qualname__ for e in ledger_events(client, aggregate_id)]


def test_a_stored_invoice_of_a_french_business_is_transmitted_once_with_its_pdf_hash(
    client: TestClient, clock: FixedClock, pa: RunningPlatform
) -> None:
    numbers = close_with(client, clock, customer("acme"))
    number = numbers["acme"]
    state = wait_for(lambda: transmission(client, number))
    (stored,) = [s for s in pa.platform.flows.values() if s.flow.get("trackingId") == number]
    pdf = client.get(f"/v1/invoices/{number}.pdf", headers=ADMIN).content
    digest = hashlib.sha256(pdf).hexdigest()
    # The platform checks flowInfo.sha256 against the file: a mismatch would be a ChecksumMismatch error.
    assert stored.content == pdf and stored.flow["acknowledgement"] == {"status": "Ok"}
    assert stored.flow["processingRule"] == "B2B" and stored.file_name == f"{number}.pdf"
    assert state["status"] == "transmitted" and state["flow_id"] == stored.flow["flowId"] and state["error"] is None
    [recorded] = [e for e in ledger_events(client, Invoice.create_id(number))
                  if type(e).__qualname__ == "Invoice.TransmittedToPlatform"]
    assert (recorded.tracking_id, recorded.sha256, recorded.flow_id) == (number, digest, stored.flow["flowId"])

    # A second run (the job sent again, or retried after it recorded) sends and records nothing.
    container = client.app.state.container  # type: ignore[attr-defined]
    requests = len(pa.platform.requests)
    assert container.pa_transmission.transmit("invoice", number) == {"number": number, "transmitted": False}
    assert len(pa.platform.requests) == requests and len(pa.platform.flows) == 1
    assert events(client, Invoice.create_id(number)).count("Invoice.TransmittedToPlatform") == 1

    # A credit note of that invoice is transmitted too, under its own number.
    post(client, f"/v1/admin/invoices/{number}/credit-notes", {"amount_ht": "10.00", "reason": "Geste"})
    wait_for(lambda: pa.platform.flows_tracked("AV-2026-000001"))
    wait_for(lambda: "CreditNote.TransmittedToPlatform" in events(client, CreditNote.create_id("AV-2026-000001")))
    assert len(pa.platform.flows) == 2


def test_a_platform_400_is_recorded_as_a_rejection_in_the_invoice_json(
    client: TestClient, clock: FixedClock, pa: RunningPlatform
) -> None:
    pa.platform.fail_next("createFlow", 400, error_code="BAD_REQUEST", error_message="Invalid\nflowInfo")
    number = close_with(client, clock, customer("acme"))["acme"]
    state = wait_for(lambda: transmission(client, number))
    assert state["status"] == "rejected" and state["flow_id"] is None and state["at"]
    # The platform's error, on one line, and its code as the reason (it gave no acknowledgement details).
    assert state["error"] == {"status": 400, "code": "BAD_REQUEST", "message": "Invalid flowInfo",
                              "reasons": ["BAD_REQUEST"]}
    assert pa.platform.flows == {} and pa.platform.count("createFlow") == 1  # a 4xx is not sent again
    assert events(client, Invoice.create_id(number)).count("Invoice.TransmissionRejected") == 1
    container = client.app.state.container  # type: ignore[attr-defined]
    assert container.pa_transmission.transmit("invoice", number)["transmitted"] is False
    assert pa.platform.count("createFlow") == 1


def test_a_503_then_success_ends_transmitted_once(client: TestClient, clock: FixedClock, pa: RunningPlatform) -> None:
    pa.platform.fail_next("createFlow", 503)
    number = close_with(client, clock, customer("acme"))["acme"]
    state = wait_for(lambda: transmission(client, number))
    assert state["status"] == "transmitted"
    assert len(pa.platform.flows_tracked(number)) == 1 and pa.platform.count("createFlow") == 2
    assert events(client, Invoice.create_id(number)).count("Invoice.TransmittedToPlatform") == 1


def test_a_platform_still_down_after_the_clients_attempts_is_retried_by_the_job(
    client: TestClient, clock: FixedClock, pa: RunningPlatform
) -> None:
    # The client makes 5 attempts, all refused: the job raises and Dramatiq runs it again, which looks the
    # number up (not found) and sends it: 5 + 1 = 6 sends, one flow stored.
    pa.platform.fail_next("createFlow", 503, times=5)
    number = close_with(client, clock, customer("acme"))["acme"]
    state = wait_for(lambda: transmission(client, number), timeout=90)
    assert state["status"] == "transmitted"
    assert pa.platform.count("createFlow") == 6 and len(pa.platform.flows_tracked(number)) == 1
    assert events(client, Invoice.create_id(number)).count("Invoice.TransmittedToPlatform") == 1


def test_customers_routed_elsewhere_are_not_transmitted(
    client: TestClient, clock: FixedClock, pa: RunningPlatform
) -> None:
    numbers = close_with(
        client, clock,
        customer("acme"),
        customer("usco", siren=None, vat_number=None, vat_regime="export", address=US),
        customer("belco", siren=None, vat_number="BE0403170701", vat_regime="reverse_charge", address=BE),
        customer("monaco", siren=None, vat_number=None, address=MONACO),  # standard, no SIREN: not decided here
    )
    wait_for(lambda: transmission(client, numbers["acme"]))
    for account in ("usco", "belco", "monaco"):
        wait_for(lambda n=numbers[account]: mailed(client, n))  # stored and mailed: their jobs have run
    container = client.app.state.container  # type: ignore[attr-defined]
    for account in ("usco", "belco", "monaco"):
        number = numbers[account]
        assert container.pa_transmission.transmit("invoice", number)["transmitted"] is False
        assert transmission(client, number) is None
        assert not [e for e in events(client, Invoice.create_id(number)) if "Transmi" in e]
    assert [f.flow["trackingId"] for f in pa.platform.flows.values()] == [numbers["acme"]]
    assert pa.platform.count("createFlow") == 1


def test_with_the_settings_unset_nothing_is_sent_and_nothing_changes(
    client: TestClient, clock: FixedClock, pa: RunningPlatform
) -> None:
    number = close_with(client, clock, customer("acme"))["acme"]
    wait_for(lambda: mailed(client, number))
    container = client.app.state.container  # type: ignore[attr-defined]
    assert container.pa_transmission.enabled is False
    assert container.pa_transmission.transmit("invoice", number) == {"number": number, "transmitted": False}
    assert invoice(client, number)["transmission"] is None
    assert not [e for e in events(client, Invoice.create_id(number)) if "Transmi" in e]
    assert pa.platform.requests == []
