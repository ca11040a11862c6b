"""Mistakes are corrected as events (issue 9, item 5): a withdrawal with a reason, shown in the
account's history and followed by the invoices; a closed month's facts only by credit note."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, close_february, get, post
from support.factories import GRID_2026_A
from support.http_helpers import setup_customer

from ledger.clock import FixedClock


def withdraw(client: TestClient, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = client.post(path, json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    return response.json()


def penalty_credit_rows(client: TestClient) -> int:
    from sqlalchemy import func, select

    from billing.persistence import tables as t

    with client.app.state.container.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(t.penalty_credits)).scalar_one())


def lines_of(invoice: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [line for line in invoice["lines"] if line["kind"] == kind]


def test_an_intervention_posted_three_times_is_withdrawn_twice_and_billed_once(
    client: TestClient, clock: FixedClock
) -> None:
    setup_customer(client)
    body = {"on": "2026-02-20", "hours": "1.5", "description": "CSV export"}
    for _ in range(3):
        post(client, "/v1/admin/customers/acme/interventions", body)
    withdraw(client, "/v1/admin/customers/acme/interventions/2/withdraw", {"reason": "posted twice by mistake"})
    withdraw(client, "/v1/admin/customers/acme/interventions/3/withdraw", {"reason": "posted twice by mistake"})
    withdraw(client, "/v1/admin/customers/acme/interventions/3/withdraw", {"reason": "again"}, 409)
    withdraw(client, "/v1/admin/customers/acme/interventions/4/withdraw", {"reason": "none"}, 404)
    history = get(client, "/v1/admin/customers/acme/history")["events"]
    withdrawn = [e["facts"] for e in history if e["event"] == "InterventionWithdrawn"]
    assert [(f["number"], f["reason"]) for f in withdrawn] == [(2, "posted twice by mistake"),
                                                               (3, "posted twice by mistake")]
    assert [e["facts"]["number"] for e in history if e["event"] == "InterventionRecorded"] == [1, 2, 3]
    close_february(client, clock)
    invoice = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]
    # One intervention: 1.5 h x 100.00 (grid 2026-A specific development rate) = 150.00.
    assert [Decimal(line["amount"]) for line in lines_of(invoice, "intervention")] == [Decimal("150.00")]
    # February is closed: its facts are corrected by credit note only.
    withdraw(client, "/v1/admin/customers/acme/interventions/1/withdraw", {"reason": "late"}, 409)


def test_support_hours_a_penalty_credit_and_an_option_are_withdrawn_until_invoiced(
    client: TestClient, clock: FixedClock
) -> None:
    setup_customer(client)
    post(client, "/v1/admin/customers/acme/options",
         {"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-02-10"})
    post(client, "/v1/admin/customers/acme/options", {"option": "reference_opt_out", "accepted_on": "2026-02-15"})
    post(client, "/v1/admin/customers/acme/support-hours", {"on": "2026-02-11", "hours": "9", "note": "typo"})
    credit = post(client, "/v1/admin/customers/acme/penalty-credits",
                  {"id": "pc-1", "amount": "10.00", "reason": "outage", "incident_on": "2026-02-11",
                   "granted_on": "2026-02-12"})
    withdraw(client, "/v1/admin/customers/acme/support-hours/1/withdraw", {"reason": "9 was 0.9"})
    assert penalty_credit_rows(client) == 1
    withdraw(client, f"/v1/admin/customers/acme/penalty-credits/{credit['id']}/withdraw", {"reason": "no outage"})
    assert penalty_credit_rows(client) == 0  # the close reads credits from this read model
    withdraw(client, f"/v1/admin/customers/acme/penalty-credits/{credit['id']}/withdraw", {"reason": "again"}, 404)
    withdraw(client, "/v1/admin/customers/acme/options/reference_opt_out/withdraw",
             {"accepted_on": "2026-02-15", "reason": "asked for by another customer"})
    withdraw(client, "/v1/admin/customers/acme/options/reference_opt_out/withdraw",
             {"accepted_on": "2026-02-15", "reason": "again"}, 404)
    options = get(client, "/v1/admin/customers/acme")["options"]
    assert [o["option"] for o in options] == ["advanced_support"]
    close_february(client, clock)
    invoice = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]
    # 9 h would have been 5 h beyond the AS4 pack; withdrawn, nothing extra. No opt-out, no credit.
    assert lines_of(invoice, "support_extra_hours") == []
    assert lines_of(invoice, "reference_opt_out") == []
    events = [e["event"] for e in get(client, "/v1/admin/customers/acme/history")["events"]]
    assert {"SupportHoursWithdrawn", "PenaltyCreditWithdrawn", "OptionWithdrawn"} <= set(events)
    withdraw(client, "/v1/admin/customers/acme/options/advanced_support/withdraw",
             {"accepted_on": "2026-02-10", "reason": "late"}, 409)


def test_a_contract_signed_by_mistake_is_withdrawn_and_signed_again(client: TestClient) -> None:
    setup_customer(client)
    withdraw(client, "/v1/admin/customers/acme/contract/withdraw", {"reason": "wrong plan"})
    assert get(client, "/v1/admin/customers/acme")["contract"] is None
    from support.factories import contract

    post(client, "/v1/admin/customers/acme/contract", contract(plan="START"))
    assert get(client, "/v1/admin/customers/acme")["contract"]["plan"] == "START"
    assert "ContractWithdrawn" in [e["event"] for e in get(client, "/v1/admin/customers/acme/history")["events"]]
    # With usage recorded it stays.
    event = {"id": "e1", "account": "acme", "at": "2026-02-11T10:00:00+01:00", "credits": 5}
    assert client.post("/v1/usage", json={"events": [event]}, headers=ADMIN).status_code == 200
    withdraw(client, "/v1/admin/customers/acme/contract/withdraw", {"reason": "again"}, 409)


def test_a_grid_not_yet_in_force_is_withdrawn_and_published_again(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    at(clock, "2026-03-20")
    wrong = {**GRID_2026_A, "version": "2026-B", "effective_from": "2100-12-01", "notified_on": "2026-03-20"}
    post(client, "/v1/admin/price-grids", wrong)
    withdraw(client, "/v1/admin/price-grids/2026-B/withdraw", {"reason": "year typo"})
    assert client.get("/v1/admin/price-grids/2026-B", headers=ADMIN).status_code == 404
    post(client, "/v1/admin/price-grids", {**wrong, "effective_from": "2026-05-01"})
    assert get(client, "/v1/admin/price-grids/2026-B")["effective_from"] == "2026-05-01"
    withdraw(client, "/v1/admin/price-grids/2026-A/withdraw", {"reason": "in force"}, 409)


def test_a_close_asked_again_with_another_issue_date_is_a_409(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    close_february(client, clock)  # issue date 2026-03-02
    again = client.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-03"}, headers=ADMIN)
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["details"] == {"field": "issue_date", "fields": [{"field": "issue_date", "message": error["message"]}]}
    same = client.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-02"}, headers=ADMIN)
    assert same.status_code == 202 and same.json()["status"] == "closed"


def test_an_intervention_with_wrong_hours_is_corrected_in_one_save(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    post(client, "/v1/admin/customers/acme/interventions", {"on": "2026-02-20", "hours": "15", "description": "export"})
    corrected = {"on": "2026-02-20", "hours": "1.5", "description": "export", "reason": "15 was 1.5"}
    withdraw(client, "/v1/admin/customers/acme/interventions/1/correct", corrected)
    withdraw(client, "/v1/admin/customers/acme/interventions/1/correct", corrected, 409)  # already withdrawn
    withdraw(client, "/v1/admin/customers/acme/interventions/2/correct", {**corrected, "hours": "745"}, 422)
    history = [e["event"] for e in get(client, "/v1/admin/customers/acme/history")["events"]]
    assert history[-2:] == ["InterventionWithdrawn", "InterventionRecorded"]
    close_february(client, clock)
    invoice = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]
    # 1.5 h x 100.00 = 150.00 (not 15 h x 100.00 = 1,500.00).
    assert [Decimal(line["amount"]) for line in lines_of(invoice, "intervention")] == [Decimal("150.00")]
