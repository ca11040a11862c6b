"""Nothing billable is lost (BILLING_RULES §7, §7b), over HTTP on SQLite and PostgreSQL.

Facts recorded after their month closed are billed on the first open month's invoice as catch-up
lines carrying ``period``, priced as their own month would have priced them; late usage is billed
at its own month's cap, never against the open month's. Every amount is worked by hand.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer, usage_events

from ledger.clock import FixedClock


def close_month(client: TestClient, month: str, issue_date: str) -> dict[str, Any]:
    post(client, f"/v1/admin/months/{month}/close", {"issue_date": issue_date}, 202)
    return wait_closed(client, month, timeout=30)


def invoice_of(client: TestClient, month: str, account: str) -> dict[str, Any]:
    found = get(client, f"/v1/admin/invoices?month={month}&account={account}")["invoices"]
    assert len(found) == 1, found
    invoice: dict[str, Any] = get(client, f"/v1/invoices/{found[0]['number']}")
    return invoice


def summary(invoice: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(kind, period, amount) of each line, in the invoice's order."""
    return [(line["kind"], line.get("period"), line["amount"]) for line in invoice["lines"]]


def totals(invoice: dict[str, Any]) -> tuple[str, str, str]:
    return invoice["total_ht"], invoice["total_vat"], invoice["total_ttc"]


def test_facts_recorded_after_their_month_closed_are_billed_as_catch_up_on_the_next_invoice(
    client: TestClient, clock: FixedClock
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("early"))
    post(client, "/v1/admin/customers/early/contract", contract("2026-02-01"))
    post(client, "/v1/admin/customers", customer("leaver"))
    post(client, "/v1/admin/customers/leaver/contract", contract("2026-02-01", installation_fee="0.00"))
    # February: early 500.00 + 800.00 installation = FX-2026-000001; leaver 500.00 = FX-2026-000002.
    at(clock, "2026-03-02")
    state = close_month(client, "2026-02", "2026-03-02")
    assert state["invoices"] == 2

    at(clock, "2026-03-10")
    # §7b example: a contract that started on 2026-02-15, recorded after February closed.
    post(client, "/v1/admin/customers", customer("late"))
    post(client, "/v1/admin/customers/late/contract", contract("2026-02-15"))
    # February facts of "early", recorded late: an option from 15 Feb, a pack from 21 Feb with 5 hours
    # on 25 Feb, an intervention of 1.5 h on 20 Feb.
    post(client, "/v1/admin/customers/early/options", {"option": "reference_opt_out", "accepted_on": "2026-02-15"})
    post(client, "/v1/admin/customers/early/options",
         {"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-02-21"})
    post(client, "/v1/admin/customers/early/support-hours", {"on": "2026-02-25", "hours": "5", "note": "late log"})
    post(client, "/v1/admin/customers/early/interventions",
         {"on": "2026-02-20", "hours": "1.5", "description": "import"})
    # A termination letter of 20 Feb opened late, leaving on 28 Feb: the period runs to 30 April
    # (notice before 30 March), so the indemnity is March + April fees: 500 + 500 = 1000.00.
    answer = post(client, "/v1/admin/customers/leaver/termination",
                  {"notified_on": "2026-02-20", "channel": "email", "requested_end": "2026-02-28"})
    assert answer == {"effective_end": "2026-02-28", "early": True, "indemnity": "1000.00"}

    at(clock, "2026-04-01")
    preview = get(client, "/v1/admin/months/2026-03/preview?issue_date=2026-04-01")
    assert preview["errors"] == []
    by_account = {i["account"]: i for i in preview["invoices"]}
    assert sorted(by_account) == ["early", "late", "leaver"]
    # late: February catch-up 500 × 14/28 = 250.00 (15..28 Feb), installation 800.00, March 500.00.
    assert summary(by_account["late"]) == [
        ("plan_fee", "2026-02", "250.00"), ("installation_fee", "2026-02", "800.00"), ("plan_fee", None, "500.00")]
    # HT 1550.00, VAT 20 % 310.00, TTC 1860.00
    assert totals(by_account["late"]) == ("1550.00", "310.00", "1860.00")

    close_month(client, "2026-03", "2026-04-01")
    late = invoice_of(client, "2026-03", "late")
    assert summary(late) == summary(by_account["late"])
    assert late["lines"][0]["quantity"] == "14/28" and late["lines"][0]["unit_price"] == "500.00"

    early = invoice_of(client, "2026-03", "early")
    # February catch-up, priced as February: reference opt-out 40 × 14/28 = 20.00; AS4 380 × 8/28
    # = 108.571 → 108.57 (21..28 Feb); 5 h used, 4 included → 1 × 95.00; intervention 1.5 × 100 = 150.00.
    # March itself: plan 500.00, opt-out 40.00, AS4 380.00 (0 h used).
    assert summary(early) == [
        ("reference_opt_out", "2026-02", "20.00"), ("advanced_support", "2026-02", "108.57"),
        ("support_extra_hours", "2026-02", "95.00"), ("intervention", "2026-02", "150.00"),
        ("plan_fee", None, "500.00"), ("reference_opt_out", None, "40.00"), ("advanced_support", None, "380.00")]
    # HT 20 + 108.57 + 95 + 150 + 500 + 40 + 380 = 1293.57; VAT 258.714 → 258.71; TTC 1552.28
    assert totals(early) == ("1293.57", "258.71", "1552.28")

    leaver = invoice_of(client, "2026-03", "leaver")
    # No service day in March; the indemnity of a termination dated in February comes as catch-up.
    assert summary(leaver) == [("early_termination", "2026-02", "1000.00")]
    assert totals(leaver) == ("1000.00", "200.00", "1200.00")
    # Numbers: February 1-2, March early 3, late 4, leaver 5 (account order), no gap.
    numbers = sorted(i["number"] for i in get(client, "/v1/admin/invoices")["invoices"])
    assert numbers == [f"FX-2026-{n:06d}" for n in range(1, 6)]

    # Nothing is billed twice: April has only its own lines.
    at(clock, "2026-05-04")
    april = {i["account"]: i for i in get(client, "/v1/admin/months/2026-04/preview?issue_date=2026-05-04")["invoices"]}
    assert sorted(april) == ["early", "late"]
    assert all(line.get("period") is None for inv in april.values() for line in inv["lines"])


def test_late_usage_is_billed_at_its_own_months_cap_even_for_a_terminated_account(
    client: TestClient, clock: FixedClock
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    # START: 90.00 a month, cap 5,000 credits, 4.00 per started block of 1,000.
    post(client, "/v1/admin/customers/acme/contract", contract(
        "2026-02-01", plan="START", installation_fee="0.00", payment_method="transfer", mandate=None))
    post(client, "/v1/usage", {"events": usage_events("acme", 6, at="2026-02-11T10:00:00+01:00", credits=1000)}, 200)
    at(clock, "2026-03-02")
    close_month(client, "2026-02", "2026-03-02")
    feb = invoice_of(client, "2026-02", "acme")
    # 6,000 − 5,000 = 1,000 → 1 block → 4.00
    assert summary(feb) == [("plan_fee", None, "90.00"), ("overage", None, "4.00")]

    at(clock, "2026-03-10")
    # Notice on 10 March for the end of the initial term (30 April): not early, no indemnity.
    answer = post(client, "/v1/admin/customers/acme/termination",
                  {"notified_on": "2026-03-10", "channel": "email", "requested_end": "2026-04-30"})
    assert answer == {"effective_end": "2026-04-30", "early": False, "indemnity": "0.00"}
    # 500 credits stamped in February, reported in March; 4,800 of March's own.
    post(client, "/v1/usage", {"events": usage_events("acme", 5, at="2026-02-27T10:00:00+01:00", credits=100,
                                                      prefix="lateF")}, 200)
    post(client, "/v1/usage", {"events": usage_events("acme", 4, at="2026-03-09T10:00:00+01:00", credits=1200,
                                                      prefix="mar")}, 200)
    at(clock, "2026-04-01")
    close_month(client, "2026-03", "2026-04-01")
    mar = invoice_of(client, "2026-03", "acme")
    # February again: 6,500 − 5,000 = 1,500 → 2 blocks = 8.00, minus 4.00 billed = 4.00 (period 2026-02).
    # March alone: 4,800 ≤ 5,000, no overage: the 500 late credits do not eat into March's cap.
    assert summary(mar) == [("overage", "2026-02", "4.00"), ("plan_fee", None, "90.00")]
    overage = mar["lines"][0]
    assert overage["details"]["late_usage_credits"] == 500
    assert overage["details"]["already_billed"] == "4.00"
    assert (overage["quantity"], overage["unit_price"]) == ("1", "4.00")  # 2 blocks now − 1 billed: 1 × 4.00 = 4.00
    assert totals(mar) == ("94.00", "18.80", "112.80")

    # 200 more February credits in April: 6,700 − 5,000 = 1,700 → still 2 blocks: nothing more to bill,
    # but the invoice shows them with their month (§5.4).
    at(clock, "2026-04-10")
    post(client, "/v1/usage", {"events": usage_events("acme", 2, at="2026-02-27T11:00:00+01:00", credits=100,
                                                      prefix="lateF2")}, 200)
    at(clock, "2026-05-04")
    close_month(client, "2026-04", "2026-05-04")
    apr = invoice_of(client, "2026-04", "acme")
    assert summary(apr) == [("overage", "2026-02", "0.00"), ("plan_fee", None, "90.00")]
    assert apr["lines"][0]["details"]["late_usage_credits"] == 200

    # The service ended on 30 April. April usage reported late still reaches it: 5,600 credits stamped
    # on 20 April → 600 over the cap → 1 block → 4.00 on a May invoice of its own.
    at(clock, "2026-05-10")
    post(client, "/v1/usage", {"events": usage_events("acme", 7, at="2026-04-20T10:00:00+02:00", credits=800,
                                                      prefix="lateA")}, 200)
    # Usage stamped after the service end is refused, and nothing of the batch is stored.
    after_end = usage_events("acme", 1, at="2026-05-05T10:00:00+02:00", credits=10, prefix="after")
    response = client.post("/v1/usage", json={"events": after_end + usage_events(
        "acme", 1, at="2026-04-21T10:00:00+02:00", credits=10, prefix="ok")}, headers=ADMIN)
    assert response.status_code == 422, response.text
    problems = response.json()["error"]["details"]["items"]
    assert [(p["id"], p["field"], p["message"]) for p in problems] == [
        ("after-000000", "at", "is after the account's service end")]
    at(clock, "2026-06-01")
    close_month(client, "2026-05", "2026-06-01")
    may = invoice_of(client, "2026-05", "acme")
    assert summary(may) == [("overage", "2026-04", "4.00")]
    # HT 4.00, VAT 0.80, TTC 4.80
    assert totals(may) == ("4.00", "0.80", "4.80")


def test_a_contract_started_before_every_closed_month_is_caught_up_and_its_month_cannot_be_closed_any_more(
    client: TestClient, clock: FixedClock
) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("early"))
    post(client, "/v1/admin/customers/early/contract", contract("2026-02-01", installation_fee="0.00"))
    at(clock, "2026-03-02")
    close_month(client, "2026-02", "2026-03-02")
    at(clock, "2026-03-10")
    post(client, "/v1/admin/customers", customer("old"))
    post(client, "/v1/admin/customers/old/contract", contract(
        "2026-01-20", plan="START", installation_fee="0.00", payment_method="transfer", mandate=None))
    # January was never closed, but February was: January can no longer be closed on its own.
    response = client.post("/v1/admin/months/2026-01/close", json={"issue_date": "2026-03-10"}, headers=ADMIN)
    assert response.status_code == 409, response.text
    assert get(client, "/v1/admin/months/2026-01")["status"] == "open"
    at(clock, "2026-04-01")
    close_month(client, "2026-03", "2026-04-01")
    old = invoice_of(client, "2026-03", "old")
    # January 20..31 = 90 × 12/31 = 34.838… → 34.84; February 90.00; March 90.00.
    assert summary(old) == [("plan_fee", "2026-01", "34.84"), ("plan_fee", "2026-02", "90.00"),
                            ("plan_fee", None, "90.00")]
    # HT 214.84; VAT 42.968 → 42.97; TTC 257.81
    assert totals(old) == ("214.84", "42.97", "257.81")
