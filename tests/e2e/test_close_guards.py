"""A close never hangs and a grid never leaves a contract unbillable (BILLING_RULES §4, §7).

Over HTTP on SQLite and PostgreSQL: grid guards (422, nothing written), preview errors and the 409
they cause, and a close job that fails half way, marked ``failed`` and resumed without a gap.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer

from billing.services import closing
from ledger.clock import FixedClock


def grid(version: str, effective_from: str, notified_on: str, **changes: Any) -> dict[str, Any]:
    return {**GRID_2026_A, "version": version, "effective_from": effective_from, "notified_on": notified_on,
            **changes}


PRO_ONLY = [p for p in GRID_2026_A["plans"] if p["code"] == "PRO"]
START_ONLY = [p for p in GRID_2026_A["plans"] if p["code"] == "START"]


def refused(client: TestClient, path: str, body: Any, status: int = 422) -> dict[str, Any]:
    response = client.post(path, json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def grid_versions(client: TestClient) -> list[str]:
    return [g["version"] for g in get(client, "/v1/admin/price-grids")["price_grids"]]


def test_a_grid_version_is_refused_when_it_is_notified_in_the_future_reprices_a_closed_month_or_drops_what_is_used(
    client: TestClient, clock: FixedClock
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-01"))
    post(client, "/v1/admin/customers/acme/options", {"option": "advanced_support", "pack": "AS4",
                                                      "accepted_on": "2026-02-01"})
    # Today is 2026-02-12: a notice dated 2026-03-01 has not been sent yet.
    error = refused(client, "/v1/admin/price-grids", grid("2026-B", "2026-04-01", "2026-03-01"))
    assert error["details"]["field"] == "notified_on"
    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    wait_closed(client, "2026-02")
    # February is closed: a version from 2026-02-01 (notified 2026-01-01, a month ahead) would re-price it.
    error = refused(client, "/v1/admin/price-grids", grid("2026-B", "2026-02-01", "2026-01-01"))
    assert error["details"]["field"] == "effective_from"
    # acme runs on PRO with the AS4 pack: a version without them is refused, naming the contract.
    error = refused(client, "/v1/admin/price-grids", grid("2026-B", "2026-04-01", "2026-03-01", plans=START_ONLY))
    assert error["details"]["items"] == [{"account": "acme", "plan": "PRO"}]
    no_pack = {**GRID_2026_A["options"], "advanced_support": []}
    error = refused(client, "/v1/admin/price-grids", grid("2026-B", "2026-04-01", "2026-03-01", options=no_pack))
    assert error["details"]["items"] == [{"account": "acme", "pack": "AS4"}]
    assert grid_versions(client) == ["2026-A"]  # nothing written
    # A version keeping both is accepted.
    post(client, "/v1/admin/price-grids", grid("2026-B", "2026-04-01", "2026-03-01", plans=PRO_ONLY))
    assert grid_versions(client) == ["2026-A", "2026-B"]


def test_a_close_is_refused_while_the_preview_lists_an_account_it_cannot_rate(
    client: TestClient, clock: FixedClock
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-01", installation_fee="0.00"))
    at(clock, "2026-03-01")
    # Nobody is on START: 2026-B may drop it from April.
    post(client, "/v1/admin/price-grids", grid("2026-B", "2026-04-01", "2026-03-01", plans=PRO_ONLY))
    # Then a START contract is signed from 10 March, under 2026-A: April cannot price it.
    post(client, "/v1/admin/customers", customer("solo"))
    post(client, "/v1/admin/customers/solo/contract", contract(
        "2026-03-10", plan="START", installation_fee="0.00", payment_method="transfer", mandate=None))
    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    wait_closed(client, "2026-02")
    at(clock, "2026-04-01")
    post(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-01"}, 202)
    wait_closed(client, "2026-03")

    at(clock, "2026-05-04")
    preview = get(client, "/v1/admin/months/2026-04/preview?issue_date=2026-05-04")
    assert preview["errors"] == [{"account": "solo", "reason": "plan 'START' is not in price grid 2026-B"}]
    assert [i["account"] for i in preview["invoices"]] == ["acme"]
    error = refused(client, "/v1/admin/months/2026-04/close", {"issue_date": "2026-05-04"}, 409)
    assert error["details"]["items"] == preview["errors"]
    state = get(client, "/v1/admin/months/2026-04")
    assert (state["status"], state["invoices"]) == ("open", 0)  # nothing started, nothing issued


def test_a_close_that_fails_half_way_is_marked_failed_and_resumes_gapless(
    client: TestClient, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    for account in ("alpha", "bravo", "charlie"):
        post(client, "/v1/admin/customers", customer(account))
        post(client, f"/v1/admin/customers/{account}/contract", contract("2026-02-01", installation_fee="0.00"))
    # One account a chunk; storing bravo's chunk fails (the fault is injected in the job only).
    monkeypatch.setattr(closing, "CHUNK", 1)
    issue_chunk = closing.ClosingService._issue_chunk

    def failing(self: Any, close: Any, numbering: Any, drafts: Any, accounts: list[str]) -> int:
        if "bravo" in accounts:
            raise RuntimeError("document store unavailable for bravo")
        return issue_chunk(self, close, numbering, drafts, accounts)

    monkeypatch.setattr(closing.ClosingService, "_issue_chunk", failing)
    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    for _ in range(600):
        state = get(client, "/v1/admin/months/2026-02")
        if state["status"] != "closing":
            break
    assert state["status"] == "failed"
    assert state["error"] == "RuntimeError: document store unavailable for bravo"
    assert state["invoices"] == 1 and state["total_ht"] == "500.00"  # alpha's invoice stays issued
    # A failed month blocks the next one, like any month not closed.
    at(clock, "2026-04-01")
    refused(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-01"}, 409)

    monkeypatch.setattr(closing.ClosingService, "_issue_chunk", issue_chunk)  # fixed
    # Resuming with another issue date would date bravo's and charlie's invoices differently: 409.
    error = refused(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-03"}, 409)
    assert error["message"] == "month 2026-02 was closed with issue date 2026-03-02, not 2026-03-03"
    assert get(client, "/v1/admin/months/2026-02")["status"] == "failed"  # nothing resumed
    post(client, "/v1/admin/months/2026-02/close", {}, 202)  # resumes with its own issue date
    state = wait_closed(client, "2026-02")
    # 3 invoices of 500.00 HT (full February, no installation): 1500.00 HT, 1800.00 TTC.
    assert (state["invoices"], state["total_ht"], state["total_ttc"]) == (3, "1500.00", "1800.00")
    invoices = sorted(get(client, "/v1/admin/invoices?month=2026-02")["invoices"], key=lambda i: i["number"])
    assert [(i["number"], i["account"], i["issue_date"]) for i in invoices] == [
        ("FX-2026-000001", "alpha", "2026-03-02"),
        ("FX-2026-000002", "bravo", "2026-03-02"),
        ("FX-2026-000003", "charlie", "2026-03-02"),
    ]


def test_the_preview_lists_the_issue_date_errors_the_close_refuses(client: TestClient, clock: FixedClock) -> None:
    """Issue 18: the preview answered ``errors: []`` for an issue date the close then refused."""
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    at(clock, "2026-04-03")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-04-02"}, 202)
    wait_closed(client, "2026-02")  # FX-2026-000001, issued on 2026-04-02
    # 2026-04-01 is after March's end and not in the future, but before the last issued invoice.
    preview = get(client, "/v1/admin/months/2026-03/preview?issue_date=2026-04-01")
    expected = {"account": None, "field": "issue_date",
                "reason": "issue date 2026-04-01 is before the last issued invoice (2026-04-02)"}
    assert preview["errors"] == [expected]
    error = refused(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-01"}, 409)
    assert (error["message"], error["details"]) == (expected["reason"], {  # the same guard
        "field": "issue_date", "fields": [{"field": "issue_date", "message": expected["reason"]}]})
    # A date in the future and one inside the month: the close's own words again.
    assert get(client, "/v1/admin/months/2026-03/preview?issue_date=2026-04-04")["errors"] == [
        {"account": None, "field": "issue_date", "reason": "issue date 2026-04-04 is in the future"}]
    assert get(client, "/v1/admin/months/2026-03/preview?issue_date=2026-03-31")["errors"] == [  # both, in order
        {"account": None, "field": "issue_date", "reason": "issue date 2026-03-31 is not after the end of 2026-03"},
        {"account": None, "field": "issue_date",
         "reason": "issue date 2026-03-31 is before the last issued invoice (2026-04-02)"}]
    # Today (the default, 2026-04-03) and the last issue date itself are accepted, and the close agrees.
    assert get(client, "/v1/admin/months/2026-03/preview")["errors"] == []
    assert get(client, "/v1/admin/months/2026-03/preview?issue_date=2026-04-02")["errors"] == []
    post(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-02"}, 202)
    assert wait_closed(client, "2026-03")["invoices"] == 1
    # A started month keeps its date: the preview without one uses it; another date is refused.
    assert get(client, "/v1/admin/months/2026-03/preview")["errors"] == []
    assert get(client, "/v1/admin/months/2026-03/preview?issue_date=2026-04-03")["errors"] == [
        {"account": None, "field": "issue_date",
         "reason": "month 2026-03 was closed with issue date 2026-04-02, not 2026-04-03"}]
