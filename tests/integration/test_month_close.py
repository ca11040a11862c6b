"""Closing a month over HTTP (API.md "Months", BILLING_RULES §7): conflicts, idempotence, races.

Both backends; the real app with its in-process dramatiq worker, no database or broker mocked.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.api_helpers import ADMIN, at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer
from support.jobs import HeldJobs

from billing.commands.accounts import RegisterCustomer, SignContract
from billing.commands.closing import CloseMonth
from billing.persistence import tables as t
from ledger.account import CustomerAccount
from ledger.clock import FixedClock
from ledger.grid_catalogue import grid_from_dict
from ledger.months import Month


def request_close(client: TestClient, month: str, issue_date: str) -> Any:
    return client.post(f"/v1/admin/months/{month}/close", json={"issue_date": issue_date}, headers=ADMIN)


def close(client: TestClient, month: str, issue_date: str) -> dict[str, Any]:
    response = request_close(client, month, issue_date)
    assert response.status_code == 202, response.text
    return wait_closed(client, month, documents=True)  # issue 11: and its documents


def all_invoices(client: TestClient) -> list[dict[str, Any]]:
    return get(client, "/v1/admin/invoices")["invoices"]


def assert_conflict(response: Any, field: str) -> None:
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert isinstance(error["message"], str) and error["message"]
    assert error["details"] == {"field": field, "fields": [{"field": field, "message": error["message"]}]}


def setup_acme(client: TestClient) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))


def seed_accounts(client: TestClient, count: int, start: date = date(2026, 2, 1)) -> list[str]:
    """``count`` START accounts (cap 5000, blocks of 1000 at 4.00), built as aggregates and saved at once."""
    container = client.app.state.container  # type: ignore[attr-defined]
    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    names = [f"acct{i:04d}" for i in range(count)]
    aggregates = []
    for name in names:
        c = CustomerAccount.register(
            account=name, legal_name=f"{name.upper()} SAS", siren="312456783", vat_number=None,
            vat_regime="standard", billing_email=f"factures@{name}.fr",
            address={"line1": "1 rue X", "postcode": "25000", "city": "Besançon", "country": "FR"},
        )
        c.sign_contract(plan="START", service_start=start, installation_fee="0.00", freemium=False,
                        payment_method="transfer", mandate=None, plan_grid_version="2026-A")
        aggregates.append(c)
    container.ledger.save(*aggregates)
    container.projector.catch_up()
    return names


# -- conflicts -----------------------------------------------------------------------------------


def test_closing_a_month_that_has_not_ended_is_a_conflict(client: TestClient, clock: FixedClock) -> None:
    setup_acme(client)  # today: 2026-02-12
    assert_conflict(request_close(client, "2026-02", "2026-02-12"), "month")
    at(clock, "2026-02-28", hour=23)  # the last day, late evening in Paris: still not ended
    assert_conflict(request_close(client, "2026-02", "2026-02-28"), "month")
    assert get(client, "/v1/admin/months/2026-02")["status"] == "open"
    assert all_invoices(client) == []


def test_closing_out_of_order_is_a_conflict(client: TestClient, clock: FixedClock) -> None:
    setup_acme(client)
    at(clock, "2026-04-02")
    assert_conflict(request_close(client, "2026-03", "2026-04-02"), "month")  # February had service
    assert get(client, "/v1/admin/months/2026-03")["status"] == "open"
    close(client, "2026-02", "2026-04-02")
    assert_conflict(request_close(client, "2026-04", "2026-05-02"), "month")  # April has not ended
    state = close(client, "2026-03", "2026-04-02")
    assert state["invoices"] == 1
    assert [i["number"] for i in sorted(all_invoices(client), key=lambda i: i["number"])] == [
        "FX-2026-000001", "FX-2026-000002"]


def test_issue_date_in_the_future_is_a_conflict(client: TestClient, clock: FixedClock) -> None:
    setup_acme(client)
    at(clock, "2026-03-02")
    assert_conflict(request_close(client, "2026-02", "2026-03-03"), "issue_date")
    # not after the month's last day either
    assert_conflict(request_close(client, "2026-02", "2026-02-28"), "issue_date")
    assert get(client, "/v1/admin/months/2026-02")["status"] == "open"
    assert all_invoices(client) == []


def test_issue_date_before_the_last_issued_invoice_is_a_conflict(client: TestClient, clock: FixedClock) -> None:
    setup_acme(client)
    at(clock, "2026-04-03")
    close(client, "2026-02", "2026-04-02")
    # 2026-04-01 is after March's end and not in the future, but before the last issue date.
    assert_conflict(request_close(client, "2026-03", "2026-04-01"), "issue_date")
    assert get(client, "/v1/admin/months/2026-03")["status"] == "open"
    assert len(all_invoices(client)) == 1
    state = close(client, "2026-03", "2026-04-02")  # the same day is fine
    assert state["invoices"] == 1


def test_closing_a_closed_month_issues_nothing(client: TestClient, clock: FixedClock) -> None:
    setup_acme(client)
    at(clock, "2026-03-02")
    first = close(client, "2026-02", "2026-03-02")
    before = all_invoices(client)
    assert [i["number"] for i in before] == ["FX-2026-000001"]
    at(clock, "2026-03-10")
    for body in ({"issue_date": "2026-03-02"}, None):
        response = client.post("/v1/admin/months/2026-02/close", json=body, headers=ADMIN)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "closed"
        assert response.json()["month"] == "2026-02"
    # Another issue date is not silently ignored (issue 9): a 409, and nothing issued either.
    other = client.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-09"}, headers=ADMIN)
    assert other.status_code == 409, other.text
    assert get(client, "/v1/admin/months/2026-02") == first
    assert all_invoices(client) == before


# -- races -------------------------------------------------------------------------------------------


def test_two_concurrent_close_requests_close_once(client: TestClient, clock: FixedClock) -> None:
    names = seed_accounts(client, 40)
    at(clock, "2026-03-02")
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def request() -> None:
        barrier.wait()
        answers.append(request_close(client, "2026-02", "2026-03-02"))

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
    state = wait_closed(client, "2026-02")
    time.sleep(0.3)  # let a second job, if any, run to its end
    invoices = all_invoices(client)
    assert state["invoices"] == len(names) == len(invoices)
    assert sorted(i["number"] for i in invoices) == [f"FX-2026-{n:06d}" for n in range(1, len(names) + 1)]
    assert sorted(i["account"] for i in invoices) == names  # one invoice per account
    # numbered in account order
    assert [i["account"] for i in sorted(invoices, key=lambda i: i["number"])] == names
    assert get(client, "/v1/admin/months/2026-02")["invoices"] == len(names)


def test_usage_posted_during_a_close_lands_in_the_closed_month_or_the_next(
    client: TestClient, clock: FixedClock
) -> None:
    names = seed_accounts(client, 200)
    at(clock, "2026-03-02")
    posted: defaultdict[str, int] = defaultdict(int)
    lock = threading.Lock()
    # 5500 credits each in February before the close: every February invoice has an overage line.
    events = [{"id": f"pre-{n}", "account": n, "at": "2026-02-20T10:00:00+01:00", "credits": 5500} for n in names]
    post(client, "/v1/usage", {"events": events}, 200)
    for n in names:
        posted[n] += 5500

    stop = threading.Event()
    errors: list[str] = []

    def feed(worker: int) -> None:
        rng = random.Random(worker)
        batch = 0
        while not stop.is_set():
            chosen = rng.sample(names, 20)
            credits = rng.randint(1, 900)
            events = [{"id": f"w{worker}-b{batch}-{n}", "account": n, "at": "2026-02-25T15:00:00+01:00",
                       "credits": credits} for n in chosen]
            try:
                response = client.post("/v1/usage", json={"events": events}, headers=ADMIN)
            except Exception as exc:  # a server error: the platform's batch was refused
                errors.append(f"{type(exc).__name__}: {exc}")
                return
            if response.status_code != 200:
                errors.append(response.text)
                return
            assert response.json() == {"accepted": 20, "duplicates": 0}
            with lock:
                for n in chosen:
                    posted[n] += credits
            batch += 1

    feeders = [threading.Thread(target=feed, args=(w,)) for w in range(3)]
    for feeder in feeders:
        feeder.start()
    time.sleep(0.2)
    response = request_close(client, "2026-02", "2026-03-02")
    assert response.status_code == 202, response.text
    wait_closed(client, "2026-02")
    time.sleep(0.2)  # a little more usage after the close
    stop.set()
    for feeder in feeders:
        feeder.join(30)
    assert errors == []

    container = client.app.state.container  # type: ignore[attr-defined]
    container.projector.catch_up()
    feb, mar = Month.parse("2026-02").index(), Month.parse("2026-03").index()
    u = t.usage_monthly.c
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(u.account, u.booked_month, u.origin_month, func.sum(u.credits)).group_by(
                u.account, u.booked_month, u.origin_month)
        ).all()
    booked: dict[tuple[str, int], int] = defaultdict(int)
    for account, booked_month, origin_month, credits in rows:
        assert origin_month == feb, (account, booked_month, origin_month)
        assert booked_month in (feb, mar), (account, booked_month)
        booked[(account, booked_month)] += int(credits)
    late_total = sum(v for (a, m), v in booked.items() if m == mar)
    for n in names:
        # never lost, never counted twice: February (before the cut-off) + March (late usage)
        assert booked[(n, feb)] + booked[(n, mar)] == posted[n], n
    # usage after the close started is booked in March, shown there as late usage from February
    assert late_total > 0

    invoices = {i["account"]: i for i in get(client, "/v1/admin/invoices?month=2026-02")["invoices"]}
    assert sorted(invoices) == names
    for n in names:
        overage = next(line for line in invoices[n]["lines"] if line["kind"] == "overage")
        consumed = booked[(n, feb)]
        # what the February invoice billed is exactly what is booked in February
        assert overage["details"]["consumed"] == consumed, n
        blocks = -(-(consumed - 5000) // 1000)
        assert overage["quantity"] == str(blocks)
        assert overage["amount"] == f"{blocks * 4}.00"
    march_usage = get(client, f"/v1/admin/customers/{names[0]}/usage?month=2026-03")
    assert march_usage["credits"] == booked[(names[0], mar)]
    if booked[(names[0], mar)]:
        assert march_usage["late_usage"] == [{"origin_month": "2026-02", "credits": booked[(names[0], mar)]}]


@pytest.fixture(autouse=True)
def _quiet_random() -> None:
    random.seed(1234)


def test_a_contract_signed_during_the_close_is_billed_by_the_same_close(container: Any, clock: FixedClock) -> None:
    """The close finishes only when every billable account has its invoice: one that became
    billable after the close loaded its inputs is picked up before the month is marked closed."""
    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    container.accounts.register(RegisterCustomer.from_request(customer("acme")))
    container.accounts.sign_contract("acme", SignContract.from_request(contract("2026-02-01")))
    container.accounts.register(RegisterCustomer.from_request(customer("late")))
    at(clock, "2026-03-02")
    container.closing.jobs = HeldJobs()  # the job is run by hand below
    assert container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))["status"] == "closing"

    signed: list[int] = []

    def sign_late_contract(issued: int) -> None:
        if not signed:
            container.accounts.sign_contract("late", SignContract.from_request(contract("2026-02-15")))
            signed.append(issued)

    container.closing.run_close("2026-02", on_chunk=sign_late_contract)
    assert signed == [1]  # acme's chunk was issued before "late" signed
    state = container.closing.month_state("2026-02")
    assert state["status"] == "closed"
    assert state["invoices"] == 2
    with container.engine.connect() as conn:
        rows = conn.execute(select(t.invoices.c.account, t.invoices.c.number).order_by(t.invoices.c.number)).all()
    assert [tuple(r) for r in rows] == [("acme", "FX-2026-000001"), ("late", "FX-2026-000002")]


def test_a_close_whose_job_fails_before_the_answer_is_answered_closing(
    container: Any, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """API.md: the close's answer is "closing" or "closed". With no worker the job runs before the
    answer (as the in-process worker may); when it fails, the answer says "closing" (202, a 500 before:
    "failed" is not a close answer) and GET /v1/admin/months/2026-02 says "failed" with the reason."""
    import billing.services.closing as closing

    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    container.accounts.register(RegisterCustomer.from_request(customer("acme")))
    container.accounts.sign_contract("acme", SignContract.from_request(contract("2026-02-01")))

    def failing(*_args: Any) -> int:
        raise RuntimeError("document store unavailable")

    monkeypatch.setattr(closing.ClosingService, "_issue_chunk", failing)
    at(clock, "2026-03-02")
    answer = container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))
    assert (answer["status"], answer["job"]) == ("closing", None)
    state = container.closing.month_state("2026-02")
    assert (state["status"], state["error"]) == ("failed", "RuntimeError: document store unavailable")
