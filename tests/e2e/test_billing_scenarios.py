"""Kill Bill-style scenarios over HTTP, on SQLite and PostgreSQL: the clock moves, months close,
invoices are read back and every amount is checked against a hand computation (BILLING_RULES §5-§10).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from support.api_helpers import at, get, post, wait_closed
from support.factories import GRID_2026_A, contract, customer, usage_events

from ledger.clock import FixedClock

# -- helpers -------------------------------------------------------------------------------------


def close_month(client: TestClient, month: str, issue_date: str) -> dict[str, Any]:
    answer = post(client, f"/v1/admin/months/{month}/close", {"issue_date": issue_date}, 202)
    assert answer["month"] == month and answer["status"] in {"closing", "closed"}
    return wait_closed(client, month, timeout=30)


def invoices_of(client: TestClient, month: str) -> list[dict[str, Any]]:
    return sorted(get(client, f"/v1/admin/invoices?month={month}")["invoices"], key=lambda i: i["number"])


def lines_by_kind(invoice: dict[str, Any]) -> dict[str, str]:
    kinds = [line["kind"] for line in invoice["lines"]]
    assert len(kinds) == len(set(kinds)), kinds
    return {line["kind"]: line["amount"] for line in invoice["lines"]}


def totals(invoice: dict[str, Any]) -> tuple[str, str, str, str]:
    return invoice["total_ht"], invoice["vat_rate"], invoice["total_vat"], invoice["total_ttc"]


def post_usage(client: TestClient, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), 10_000):
        answer = post(client, "/v1/usage", {"events": events[start : start + 10_000]}, 200)
        assert answer["duplicates"] == 0


def without_number(invoice: dict[str, Any]) -> dict[str, Any]:
    """The issued invoice as the preview shows it: no number, nor anything that only issue creates (its
    status, payments, document, and the lifecycle statuses the plateforme agréée reports after it)."""
    only_issued = {"number", "status", "payment_status", "paid", "pdf", "document", "lifecycle"}
    return {k: v for k, v in invoice.items() if k not in only_issued}


def assert_preview_matches(client: TestClient, month: str, issue_date: str) -> list[dict[str, Any]]:
    preview = get(client, f"/v1/admin/months/{month}/preview?issue_date={issue_date}")
    assert preview["month"] == month
    return sorted(preview["invoices"], key=lambda i: i["account"])


def compare_with_preview(preview: list[dict[str, Any]], issued: list[dict[str, Any]]) -> None:
    assert [p["account"] for p in preview] == [i["account"] for i in issued]
    for p, i in zip(preview, issued, strict=True):
        assert "number" not in p or p["number"] is None
        expected = without_number(i)
        assert {k: p.get(k) for k in expected} == expected, i["number"]


# -- scenarios -------------------------------------------------------------------------------------


def test_worked_example_full_month_options_reverse_charge_penalty_carry_forward(
    client: TestClient, clock: FixedClock
) -> None:
    # Today is 2026-02-12 (the clock fixture).
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    # A freemium account, well above its cap: never invoiced (§9).
    post(client, "/v1/admin/customers", customer("gratis"))
    post(client, "/v1/admin/customers/gratis/contract", contract(
        "2026-02-01", plan="START", freemium=True, installation_fee="0.00",
        payment_method="transfer", mandate=None))
    # §10: 35,000 credits in February (5,000 events × 7).
    post_usage(client, usage_events("acme", 5000, at="2026-02-11T10:00:00+01:00", credits=7))
    post_usage(client, usage_events("gratis", 10, at="2026-02-11T10:00:00+01:00", credits=9000, prefix="g"))
    assert get(client, "/v1/admin/customers/acme/usage?month=2026-02")["credits"] == 35000

    # ---- February: BILLING_RULES §10 ----
    at(clock, "2026-03-02")
    preview_feb = assert_preview_matches(client, "2026-02", "2026-03-02")
    state = close_month(client, "2026-02", "2026-03-02")
    feb = invoices_of(client, "2026-02")
    assert [i["account"] for i in feb] == ["acme"]  # gratis is freemium: no invoice
    inv = get(client, f"/v1/invoices/{feb[0]['number']}")
    assert inv["number"] == "FX-2026-000001"
    assert inv["month"] == "2026-02"
    assert (inv["issue_date"], inv["due_date"], inv["dispute_deadline"]) == ("2026-03-02", "2026-04-01", "2026-03-22")
    # plan 500 × 19/28 = 339.2857 → 339.29; cap ceil(40000 × 19/28) = 27143; excess 35000 − 27143 = 7857
    # → ceil(7857/500) = 16 blocks × 2.50 = 40.00; installation 800.00 (first invoice).
    assert lines_by_kind(inv) == {"plan_fee": "339.29", "overage": "40.00", "installation_fee": "800.00"}
    plan_line = next(line for line in inv["lines"] if line["kind"] == "plan_fee")
    assert (plan_line["quantity"], plan_line["unit_price"]) == ("19/28", "500.00")
    overage = next(line for line in inv["lines"] if line["kind"] == "overage")
    assert overage["quantity"] == "16"
    # HT 339.29 + 40.00 + 800.00 = 1179.29; VAT 20 % = 235.858 → 235.86; TTC 1415.15
    assert totals(inv) == ("1179.29", "20.00", "235.86", "1415.15")
    assert inv["status"] == "issued"
    assert (state["invoices"], state["total_ht"], state["total_ttc"]) == (1, "1179.29", "1415.15")
    compare_with_preview(preview_feb, feb)

    # ---- March: full price with every option; a reverse-charge customer joins ----
    at(clock, "2026-03-01", hour=9)
    for option in ({"option": "branding_removal", "accepted_on": "2026-03-01"},
                   {"option": "reference_opt_out", "accepted_on": "2026-03-01"},
                   {"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-03-01"}):
        post(client, "/v1/admin/customers/acme/options", option)
    post(client, "/v1/admin/customers", customer(
        "beta", siren=None, vat_number="DE136695976", vat_regime="reverse_charge",
        address={"line1": "Hauptstrasse 1", "postcode": "10115", "city": "Berlin", "country": "DE"}))
    post(client, "/v1/admin/customers/beta/contract", contract(
        "2026-03-01", plan="START", installation_fee="0.00", payment_method="transfer", mandate=None))
    at(clock, "2026-03-20")
    post(client, "/v1/admin/customers/acme/support-hours", {"on": "2026-03-12", "hours": "4", "note": "setup"})
    post(client, "/v1/admin/customers/acme/support-hours", {"on": "2026-03-13", "hours": "2.5", "note": "training"})
    post(client, "/v1/admin/customers/acme/interventions",
         {"on": "2026-03-16", "hours": "1.5", "description": "Connecteur ERP"})
    post_usage(client, usage_events("acme", 41, at="2026-03-15T10:00:00+01:00", credits=1000, prefix="mar"))
    post_usage(client, usage_events("beta", 3, at="2026-03-15T10:00:00+01:00", credits=2500, prefix="mar"))
    # acme pays the February invoice: it makes room under the §6 cap.
    post(client, "/v1/admin/customers/acme/payments", {
        "invoice": "FX-2026-000001", "amount": "1415.15", "received_on": "2026-03-20",
        "method": "transfer", "reference": "VIR-1"})

    at(clock, "2026-04-01")
    preview_mar = assert_preview_matches(client, "2026-03", "2026-04-01")
    close_month(client, "2026-03", "2026-04-01")
    mar = invoices_of(client, "2026-03")
    # numbering continues in account order: acme then beta
    assert [(i["number"], i["account"]) for i in mar] == [("FX-2026-000002", "acme"), ("FX-2026-000003", "beta")]
    acme = get(client, "/v1/invoices/FX-2026-000002")
    # plan 500.00 (31/31); branding removal 10 % of 500 = 50.00; reference opt-out 40.00; AS4 380.00;
    # support 4 + 2.5 = 6.5 h used, 4 included → 2.5 × 95.00 = 237.50; overage 41000 − 40000 = 1000
    # → 2 blocks × 2.50 = 5.00; intervention 1.5 h × 100.00 = 150.00; no installation fee (not first invoice).
    assert lines_by_kind(acme) == {
        "plan_fee": "500.00", "branding_removal": "50.00", "reference_opt_out": "40.00",
        "advanced_support": "380.00", "support_extra_hours": "237.50", "overage": "5.00", "intervention": "150.00",
    }
    extra = next(line for line in acme["lines"] if line["kind"] == "support_extra_hours")
    assert (extra["quantity"], extra["unit_price"]) == ("2.5", "95.00")
    # HT 500 + 50 + 40 + 380 + 237.50 + 5 + 150 = 1362.50; VAT 272.50; TTC 1635.00
    assert totals(acme) == ("1362.50", "20.00", "272.50", "1635.00")
    assert (acme["due_date"], acme["dispute_deadline"]) == ("2026-05-01", "2026-04-21")
    beta = get(client, "/v1/invoices/FX-2026-000003")
    # START 90.00 full month; 7500 credits − 5000 cap = 2500 → 3 blocks of 1000 × 4.00 = 12.00
    assert lines_by_kind(beta) == {"plan_fee": "90.00", "overage": "12.00"}
    # HT 102.00, reverse charge: VAT 0, TTC 102.00, "Autoliquidation"
    assert totals(beta) == ("102.00", "0.00", "0.00", "102.00")
    assert beta["vat_mention"] == "Autoliquidation"
    compare_with_preview(preview_mar, mar)

    # ---- A penalty credit bigger than the next invoice: carried forward over two invoices ----
    at(clock, "2026-04-06")
    granted = post(client, "/v1/admin/customers/acme/penalty-credits", {
        "amount": "2000.00", "reason": "SLA", "incident_on": "2026-04-03", "granted_on": "2026-04-06"})
    # §6 cap, in HT: paid in the 6 months before 2026-04-03 = 1415.15 TTC of the February invoice
    # (1179.29 HT / 1415.15 TTC), worth 1415.15 × 1179.29 / 1415.15 = 1179.29 HT; nothing granted yet → 1179.29
    assert (granted["requested"], granted["granted"], granted["capped"]) == ("2000.00", "1179.29", True)

    at(clock, "2026-05-04")
    preview_apr = assert_preview_matches(client, "2026-04", "2026-05-04")
    close_month(client, "2026-04", "2026-05-04")
    apr = invoices_of(client, "2026-04")
    assert [(i["number"], i["account"]) for i in apr] == [("FX-2026-000004", "acme"), ("FX-2026-000005", "beta")]
    acme = get(client, "/v1/invoices/FX-2026-000004")
    # subtotal 500 + 50 + 40 + 380 (0 h used of 4) = 970.00; penalty min(1179.29, 970.00) = −970.00
    assert lines_by_kind(acme) == {"plan_fee": "500.00", "branding_removal": "50.00", "reference_opt_out": "40.00",
                                   "advanced_support": "380.00", "penalty_credit": "-970.00"}
    penalty = next(line for line in acme["lines"] if line["kind"] == "penalty_credit")
    assert penalty["details"]["carried_forward"] == "209.29"  # 1179.29 − 970.00
    # a zero-total invoice is still issued
    assert totals(acme) == ("0.00", "20.00", "0.00", "0.00")
    beta = get(client, "/v1/invoices/FX-2026-000005")
    assert lines_by_kind(beta) == {"plan_fee": "90.00"}
    assert totals(beta) == ("90.00", "0.00", "0.00", "90.00")
    compare_with_preview(preview_apr, apr)

    at(clock, "2026-06-01")
    preview_may = assert_preview_matches(client, "2026-05", "2026-06-01")
    close_month(client, "2026-05", "2026-06-01")
    may = invoices_of(client, "2026-05")
    assert [(i["number"], i["account"]) for i in may] == [("FX-2026-000006", "acme"), ("FX-2026-000007", "beta")]
    acme = get(client, "/v1/invoices/FX-2026-000006")
    # 970.00 − the 209.29 left = 760.71 HT; VAT 20 % = 152.142 → 152.14; TTC 912.85
    assert lines_by_kind(acme) == {"plan_fee": "500.00", "branding_removal": "50.00", "reference_opt_out": "40.00",
                                   "advanced_support": "380.00", "penalty_credit": "-209.29"}
    assert totals(acme) == ("760.71", "20.00", "152.14", "912.85")
    compare_with_preview(preview_may, may)

    # nothing was ever issued to the freemium account; numbers 1..7 with no gap
    every = [i for m in ("2026-02", "2026-03", "2026-04", "2026-05") for i in invoices_of(client, m)]
    assert "gratis" not in {i["account"] for i in every}
    assert sorted(i["number"] for i in every) == [f"FX-2026-{n:06d}" for n in range(1, 8)]


def test_early_termination_final_invoice(client: TestClient, clock: FixedClock) -> None:
    at(clock, "2026-02-01", hour=9)
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("gamma"))
    post(client, "/v1/admin/customers/gamma/contract", contract(
        "2026-02-01", installation_fee="0.00", payment_method="transfer", mandate=None))

    at(clock, "2026-03-02")
    close_month(client, "2026-02", "2026-03-02")
    feb = invoices_of(client, "2026-02")
    assert [i["number"] for i in feb] == ["FX-2026-000001"]
    # full February: 500.00 HT, VAT 100.00, TTC 600.00
    assert lines_by_kind(feb[0]) == {"plan_fee": "500.00"}
    assert totals(feb[0]) == ("500.00", "20.00", "100.00", "600.00")

    at(clock, "2026-03-10")
    # Initial term 2026-02-01..2026-04-30; notice on 03-10 is a month before the end → normal end 04-30.
    # Leaving on 03-20 is early: indemnity for 03-21..04-30 = 500 × 11/31 (177.42) + 500 × 30/30 (500.00) = 677.42
    answer = post(client, "/v1/admin/customers/gamma/termination",
                  {"notified_on": "2026-03-10", "channel": "email", "requested_end": "2026-03-20"})
    assert answer == {"effective_end": "2026-03-20", "early": True, "indemnity": "677.42"}

    at(clock, "2026-04-01")
    close_month(client, "2026-03", "2026-04-01")
    mar = invoices_of(client, "2026-03")
    assert [i["number"] for i in mar] == ["FX-2026-000002"]
    final = get(client, "/v1/invoices/FX-2026-000002")
    # plan 500 × 20/31 = 322.58; early termination 677.42 → HT 1000.00, VAT 200.00, TTC 1200.00
    assert lines_by_kind(final) == {"plan_fee": "322.58", "early_termination": "677.42"}
    plan_line = next(line for line in final["lines"] if line["kind"] == "plan_fee")
    assert plan_line["quantity"] == "20/31"
    assert totals(final) == ("1000.00", "20.00", "200.00", "1200.00")

    # April: the service has ended, nothing to invoice; the month still closes.
    at(clock, "2026-05-04")
    state = close_month(client, "2026-04", "2026-05-04")
    assert state["invoices"] == 0
    assert invoices_of(client, "2026-04") == []
    assert date.fromisoformat(final["issue_date"]) == date(2026, 4, 1)
