"""Invoice scenarios checked by hand (BILLING_RULES §5, §8, §10; contract art. 10, 14).

Each expected amount is worked out in the comment next to it, as a person checking the invoice
would do it. The grid is the API.md example grid unless a scenario says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import pytest

from invoices.rating import EXPORT_MENTION, rate_account_month
from ledger.grid import BrandingRemovalPrice, PlanPrice, PriceGrid, SupportPack
from ledger.money import Money
from ledger.months import Month
from pricing.account_month import AccountMonth, AvailablePenaltyCredit, Intervention, LateUsage, OptionInterval
from pricing.termination import early_termination_indemnity

VAT_20 = Decimal("20.00")


def m(text: str) -> Money:
    return Money.of(text)


def make_grid(branding: BrandingRemovalPrice | None = None) -> PriceGrid:
    """PRO 500.00 / 40,000 credits / 2.50 per started 500; options and packs as in API.md."""
    return PriceGrid(
        version="2026-A",
        effective_from=date(2025, 1, 1),
        notified_on=date(2024, 11, 20),
        vat_rate=VAT_20,
        plans={
            "PRO": PlanPrice(
                code="PRO",
                name="Flexio Pro",
                monthly_fee=m("500.00"),
                included_credits=40_000,
                overage_block_credits=500,
                overage_block_price=Decimal("2.50"),
            )
        },
        branding_removal=branding or BrandingRemovalPrice(percent_of_plan=Decimal("10.00")),
        reference_opt_out_fee=m("40.00"),
        support_packs={
            "AS4": SupportPack("AS4", Decimal("4"), m("380.00"), m("95.00")),
            "AS8": SupportPack("AS8", Decimal("8"), m("700.00"), m("90.00")),
        },
        specific_development_rate=m("100.00"),
    )


FIXED_BRANDING = BrandingRemovalPrice(monthly_fee=m("60.00"))


def account_month(**changes: object) -> AccountMonth:
    base = AccountMonth(
        account="acme",
        legal_name="ACME SAS",
        vat_regime="standard",
        month=Month(2026, 2),
        plan="PRO",
        service_start=date(2025, 1, 1),
        service_end=None,
        installation_fee=m("0.00"),
        freemium=False,
        payment_method="transfer",
        mandate_reference=None,
        options=(),
        support_hours_used=Decimal("0"),
        interventions=(),
        credits=0,
        late_usage=(),
        early_termination_indemnity=None,
        penalty_credits=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def credit(cid: str, granted: date, incident: date, remaining: str) -> AvailablePenaltyCredit:
    return AvailablePenaltyCredit(cid, granted, incident, m(remaining))


@dataclass(frozen=True)
class Scenario:
    inputs: AccountMonth
    issue: date
    lines: list[tuple[str, str, str]]  # (kind, quantity, amount)
    ht: str
    vat: str
    ttc: str
    due: date
    deadline: date
    collection: date | None = None
    vat_rate: str = "20.00"
    mention: str | None = None
    allocations: list[tuple[str, str]] = field(default_factory=list)
    grid: PriceGrid = field(default_factory=make_grid)


# Art. 14 indemnity for s13: period 2026-01-05..2026-04-04, service ends 2026-03-13; fees 550.00/month
# (plan 500.00 + branding 10 % = 50.00). March 14..31 = 18 days: 550 × 18/31 = 319.354… → 319.35;
# April 1..4 = 4 days: 550 × 4/30 = 73.333… → 73.33; total 392.68.
s13_indemnity = early_termination_indemnity(lambda _m: m("550.00"), date(2026, 3, 14), date(2026, 4, 4))

SCENARIOS = [
    pytest.param(
        Scenario(
            # §10 worked example: start 2026-02-10, 35,000 credits, installation 800.00, direct debit.
            inputs=account_month(
                service_start=date(2026, 2, 10),
                installation_fee=m("800.00"),
                credits=35_000,
                payment_method="sepa_debit",
                mandate_reference="RUM-ACME-001",
            ),
            issue=date(2026, 3, 2),
            lines=[
                ("plan_fee", "19/28", "339.29"),  # 500 × 19/28 = 339.285… → 339.29
                # cap ceil(40,000 × 19/28) = ceil(27,142.86) = 27,143; excess 7,857 → 16 blocks × 2.50
                ("overage", "16", "40.00"),
                ("installation_fee", "1", "800.00"),  # first invoice (art. 10.2)
            ],
            ht="1179.29",  # 339.29 + 40.00 + 800.00
            vat="235.86",  # 1,179.29 × 20 % = 235.858 → 235.86
            ttc="1415.15",  # 1,179.29 + 235.86
            due=date(2026, 4, 1),  # 2026-03-02 + 30 days
            deadline=date(2026, 3, 22),  # 2026-03-02 + 20 days
            collection=date(2026, 4, 1),  # Wednesday, a TARGET2 day
        ),
        id="s01-billing-rules-10-worked-example",
    ),
    pytest.param(
        Scenario(
            # Start on the 1st: a full first month; usage exactly at the cap → no overage line.
            inputs=account_month(
                month=Month(2026, 3),
                service_start=date(2026, 3, 1),
                installation_fee=m("250.00"),
                credits=40_000,
                payment_method="sepa_debit",
                mandate_reference="RUM-ACME-002",
            ),
            issue=date(2026, 4, 1),
            lines=[
                ("plan_fee", "31/31", "500.00"),  # full month = the monthly fee exactly
                ("installation_fee", "1", "250.00"),
            ],
            ht="750.00",  # 500.00 + 250.00
            vat="150.00",  # 750.00 × 20 %
            ttc="900.00",
            due=date(2026, 5, 1),  # 2026-04-01 + 30 days
            deadline=date(2026, 4, 21),
            collection=date(2026, 5, 4),  # 1 May is a TARGET2 holiday, 2-3 May a weekend → Monday 4 May
        ),
        id="s02-start-on-the-first",
    ),
    pytest.param(
        Scenario(
            # Start on the last day of January: 1 service day.
            inputs=account_month(
                month=Month(2026, 1),
                service_start=date(2026, 1, 31),
                installation_fee=m("800.00"),
                credits=2_000,
            ),
            issue=date(2026, 2, 2),
            lines=[
                ("plan_fee", "1/31", "16.13"),  # 500 × 1/31 = 16.129… → 16.13
                # cap ceil(40,000/31) = ceil(1,290.32) = 1,291; excess 709 → 2 blocks × 2.50 = 5.00
                ("overage", "2", "5.00"),
                ("installation_fee", "1", "800.00"),
            ],
            ht="821.13",  # 16.13 + 5.00 + 800.00
            vat="164.23",  # 821.13 × 20 % = 164.226 → 164.23
            ttc="985.36",  # 821.13 + 164.23
            due=date(2026, 3, 4),  # 2026-02-02 + 30 days (February has 28)
            deadline=date(2026, 2, 22),
        ),
        id="s03-start-on-the-last-day",
    ),
    pytest.param(
        Scenario(
            # Leap February 2028 (29 days), mid-month start, branding removal as 10 % of the plan fee.
            inputs=account_month(
                month=Month(2028, 2),
                service_start=date(2028, 2, 15),
                credits=20_690,
                payment_method="cheque",
                options=(OptionInterval("branding_removal", None, date(2028, 2, 20), None),),
            ),
            issue=date(2028, 3, 1),
            lines=[
                ("plan_fee", "15/29", "258.62"),  # 15..29 = 15 days; 500 × 15/29 = 258.620… → 258.62
                (
                    "branding_removal",
                    "10/29",
                    "17.24",
                ),  # 10 % × 500 = 50.00; 20..29 = 10 d; 50 × 10/29 = 17.241…
                # cap ceil(40,000 × 15/29) = ceil(20,689.66) = 20,690 = consumed → no overage line
            ],
            ht="275.86",  # 258.62 + 17.24
            vat="55.17",  # 275.86 × 20 % = 55.172 → 55.17
            ttc="331.03",
            due=date(2028, 3, 31),  # 2028-03-01 + 30 days
            deadline=date(2028, 3, 21),
        ),
        id="s04-leap-february-2028-branding-percent",
    ),
    pytest.param(
        Scenario(
            # Full February 2026; reference opt-out accepted and ended in the month; fixed branding fee.
            inputs=account_month(
                credits=41_234,
                options=(
                    OptionInterval("branding_removal", None, date(2026, 1, 10), None),
                    OptionInterval("reference_opt_out", None, date(2026, 2, 9), date(2026, 2, 16)),
                ),
            ),
            grid=make_grid(FIXED_BRANDING),
            issue=date(2026, 3, 2),
            lines=[
                ("plan_fee", "28/28", "500.00"),
                ("branding_removal", "28/28", "60.00"),  # fixed 60.00, whole month
                ("reference_opt_out", "8/28", "11.43"),  # 9..16 = 8 days; 40 × 8/28 = 11.428… → 11.43
                ("overage", "3", "7.50"),  # excess 1,234 → ceil(1,234/500) = 3 blocks × 2.50
            ],
            ht="578.93",  # 500.00 + 60.00 + 11.43 + 7.50
            vat="115.79",  # 578.93 × 20 % = 115.786 → 115.79
            ttc="694.72",
            due=date(2026, 4, 1),
            deadline=date(2026, 3, 22),
        ),
        id="s05-option-within-month-and-fixed-branding",
    ),
    pytest.param(
        Scenario(
            # Advanced Support AS4 from 10 March, 6.5 hours used; two billable interventions.
            inputs=account_month(
                month=Month(2026, 3),
                credits=12_000,
                options=(OptionInterval("advanced_support", "AS4", date(2026, 3, 10), None),),
                support_hours_used=Decimal("6.5"),
                interventions=(
                    Intervention(date(2026, 3, 20), Decimal("0.25"), "Export CSV"),
                    Intervention(date(2026, 3, 12), Decimal("1.5"), "Connecteur ERP"),
                ),
            ),
            issue=date(2026, 4, 1),
            lines=[
                ("plan_fee", "31/31", "500.00"),
                ("advanced_support", "22/31", "269.68"),  # 10..31 = 22 d; 380 × 22/31 = 269.677… → 269.68
                ("support_extra_hours", "2.5", "237.50"),  # 6.5 − 4 = 2.5 h × 95.00 (hours not prorated)
                ("intervention", "1.5", "150.00"),  # 1.5 h × 100.00 (12 March, listed by date)
                ("intervention", "0.25", "25.00"),  # 0.25 h × 100.00
            ],
            ht="1182.18",  # 500.00 + 269.68 + 237.50 + 150.00 + 25.00
            vat="236.44",  # 1,182.18 × 20 % = 236.436 → 236.44
            ttc="1418.62",
            due=date(2026, 5, 1),
            deadline=date(2026, 4, 21),
        ),
        id="s06-advanced-support-extra-hours-and-interventions",
    ),
    pytest.param(
        Scenario(
            # Pack change mid-month: AS4 1..15 March, AS8 from 16 March; 9 h used → latest pack (AS8).
            inputs=account_month(
                month=Month(2026, 3),
                options=(
                    OptionInterval("advanced_support", "AS8", date(2026, 3, 16), None),
                    OptionInterval("advanced_support", "AS4", date(2025, 10, 1), date(2026, 3, 15)),
                ),
                support_hours_used=Decimal("9"),
            ),
            issue=date(2026, 4, 1),
            lines=[
                ("plan_fee", "31/31", "500.00"),
                ("advanced_support", "15/31", "183.87"),  # AS4 380 × 15/31 = 183.870… → 183.87
                ("advanced_support", "16/31", "361.29"),  # AS8 700 × 16/31 = 361.290… → 361.29
                ("support_extra_hours", "1", "90.00"),  # 9 − 8 = 1 h × 90.00 (AS8's price)
            ],
            ht="1135.16",  # 500.00 + 183.87 + 361.29 + 90.00
            vat="227.03",  # 1,135.16 × 20 % = 227.032 → 227.03
            ttc="1362.19",
            due=date(2026, 5, 1),
            deadline=date(2026, 4, 21),
        ),
        id="s07-support-pack-change-latest-pack-prices-hours",
    ),
    pytest.param(
        Scenario(
            # Reverse charge (EU business): 0 % and "Autoliquidation"; late usage from January.
            inputs=account_month(
                vat_regime="reverse_charge",
                credits=45_001,
                late_usage=(LateUsage(Month(2026, 1), 3_001),),
            ),
            issue=date(2026, 3, 2),
            lines=[
                ("plan_fee", "28/28", "500.00"),
                ("overage", "11", "27.50"),  # excess 5,001 → ceil(5,001/500) = 11 blocks × 2.50
            ],
            ht="527.50",
            vat="0.00",  # reverse charge: no French VAT
            ttc="527.50",
            due=date(2026, 4, 1),
            deadline=date(2026, 3, 22),
            vat_rate="0.00",
            mention="Autoliquidation",
        ),
        id="s08-reverse-charge-with-late-usage",
    ),
    pytest.param(
        Scenario(
            # Export (outside the EU): 0 % with the art. 259-1 CGI mention.
            inputs=account_month(vat_regime="export"),
            issue=date(2026, 3, 2),
            lines=[("plan_fee", "28/28", "500.00")],
            ht="500.00",
            vat="0.00",
            ttc="500.00",
            due=date(2026, 4, 1),
            deadline=date(2026, 3, 22),
            vat_rate="0.00",
            mention=EXPORT_MENTION,
        ),
        id="s09-export",
    ),
    pytest.param(
        Scenario(
            # Two credits, same grant date → earlier incident first; one granted after the issue date
            # (not usable yet) and one used up (skipped).
            inputs=account_month(
                penalty_credits=(
                    credit("pc-x", date(2026, 3, 5), date(2026, 2, 20), "1000.00"),  # granted after issue
                    credit("pc-y", date(2026, 2, 10), date(2026, 2, 3), "30.00"),
                    credit("pc-z", date(2026, 2, 10), date(2026, 2, 1), "80.00"),
                    credit("pc-w", date(2026, 1, 1), date(2025, 12, 1), "0.00"),  # used up
                ),
            ),
            issue=date(2026, 3, 2),
            lines=[
                ("plan_fee", "28/28", "500.00"),
                ("penalty_credit", "1", "-110.00"),  # 80.00 (pc-z) + 30.00 (pc-y), below the 500.00 subtotal
            ],
            ht="390.00",  # 500.00 − 110.00
            vat="78.00",  # 390.00 × 20 %
            ttc="468.00",
            due=date(2026, 4, 1),
            deadline=date(2026, 3, 22),
            allocations=[("pc-z", "80.00"), ("pc-y", "30.00")],
        ),
        id="s10-penalty-credits-oldest-first-below-subtotal",
    ),
    pytest.param(
        Scenario(
            # Last month prorated to service end (10 April); two credits, the second partly used and
            # carried forward: zero-total invoice.
            inputs=account_month(
                month=Month(2026, 4),
                service_start=date(2026, 1, 5),
                service_end=date(2026, 4, 10),
                penalty_credits=(
                    credit("pc-a", date(2026, 3, 20), date(2026, 3, 3), "300.00"),
                    credit("pc-b", date(2026, 2, 5), date(2026, 1, 28), "120.00"),
                ),
            ),
            issue=date(2026, 5, 4),
            lines=[
                ("plan_fee", "10/30", "166.67"),  # 1..10 April = 10 days; 500 × 10/30 = 166.666… → 166.67
                ("penalty_credit", "1", "-166.67"),  # pc-b 120.00 (older) + pc-a 46.67; pc-a keeps 253.33
            ],
            ht="0.00",
            vat="0.00",
            ttc="0.00",
            due=date(2026, 6, 3),  # 2026-05-04 + 30 days
            deadline=date(2026, 5, 24),
            allocations=[("pc-b", "120.00"), ("pc-a", "46.67")],
        ),
        id="s11-penalty-carry-forward-last-month-zero-total",
    ),
    pytest.param(
        Scenario(
            # One credit larger than the subtotal: the invoice stops at zero, it is still issued.
            inputs=account_month(
                credits=40_500,
                penalty_credits=(credit("pc-1", date(2026, 2, 20), date(2026, 2, 18), "999.99"),),
            ),
            issue=date(2026, 3, 2),
            lines=[
                ("plan_fee", "28/28", "500.00"),
                ("overage", "1", "2.50"),  # excess 500 → exactly 1 block
                ("penalty_credit", "1", "-502.50"),  # capped at the subtotal 502.50; 497.49 carries forward
            ],
            ht="0.00",
            vat="0.00",
            ttc="0.00",
            due=date(2026, 4, 1),
            deadline=date(2026, 3, 22),
            allocations=[("pc-1", "502.50")],
        ),
        id="s12-zero-total-penalty-above-subtotal",
    ),
    pytest.param(
        Scenario(
            # Early termination: service ends 13 March inside the initial term (5 Jan..4 Apr);
            # branding 10 % since the start.
            inputs=account_month(
                month=Month(2026, 3),
                service_start=date(2026, 1, 5),
                service_end=date(2026, 3, 13),
                credits=17_000,
                options=(OptionInterval("branding_removal", None, date(2026, 1, 5), None),),
                early_termination_indemnity=s13_indemnity,
            ),
            issue=date(2026, 4, 1),
            lines=[
                ("plan_fee", "13/31", "209.68"),  # 1..13 = 13 days; 500 × 13/31 = 209.677… → 209.68
                ("branding_removal", "13/31", "20.97"),  # 50 × 13/31 = 20.967… → 20.97
                # cap ceil(40,000 × 13/31) = ceil(16,774.19) = 16,775; excess 225 → 1 block
                ("overage", "1", "2.50"),
                ("early_termination", "1", "392.68"),  # 319.35 + 73.33 (see s13_indemnity)
            ],
            ht="625.83",  # 209.68 + 20.97 + 2.50 + 392.68
            vat="125.17",  # 625.83 × 20 % = 125.166 → 125.17
            ttc="751.00",
            due=date(2026, 5, 1),
            deadline=date(2026, 4, 21),
        ),
        id="s13-early-termination-last-month-and-indemnity",
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_invoice_matches_the_hand_computed_invoice(scenario: Scenario) -> None:
    draft = rate_account_month(scenario.inputs, scenario.grid, scenario.issue, VAT_20)

    assert draft is not None
    assert [(line.kind, line.quantity, str(line.amount)) for line in draft.lines] == scenario.lines
    assert (str(draft.total_ht), str(draft.total_vat), str(draft.total_ttc)) == (
        scenario.ht,
        scenario.vat,
        scenario.ttc,
    )
    assert draft.total_ht == Money.of(scenario.ht)  # exact values, not only their printed form
    assert draft.total_ttc == Money.of(scenario.ttc)
    assert f"{draft.vat_rate:f}" == scenario.vat_rate
    assert draft.vat_mention == scenario.mention
    assert (draft.due_date, draft.dispute_deadline) == (scenario.due, scenario.deadline)
    assert draft.collection_date == scenario.collection
    assert [(a.credit_id, str(a.amount)) for a in draft.penalty_allocations] == scenario.allocations
    assert draft.grid_version == "2026-A"


def test_termination_indemnity_used_in_the_scenario_is_the_hand_computed_one() -> None:
    assert s13_indemnity == m("392.68")  # 319.35 + 73.33


def test_worked_example_lines_show_prices_labels_and_overage_details() -> None:
    inputs = account_month(
        service_start=date(2026, 2, 10),
        installation_fee=m("800.00"),
        credits=35_000,
        payment_method="sepa_debit",
        mandate_reference="RUM-ACME-001",
    )
    draft = rate_account_month(inputs, make_grid(), date(2026, 3, 2), VAT_20)
    assert draft is not None
    plan, overage, installation = draft.lines
    assert plan.label == "Forfait Flexio Pro — février 2026 (19/28 jours)"
    assert plan.unit_price == m("500.00")
    assert overage.label.startswith("Dépassement de forfait")
    assert overage.details == {
        "consumed": 35_000,
        "cap": 27_143,
        "excess": 7_857,
        "blocks": 16,
        "block_credits": 500,
        "block_price": "2.50",
    }
    assert installation.label == "Frais d'installation"
    assert draft.mandate_reference == "RUM-ACME-001"
    assert draft.payment_method == "sepa_debit"


def test_overage_line_names_the_months_of_late_usage() -> None:
    inputs = account_month(
        credits=45_001, late_usage=(LateUsage(Month(2026, 1), 3_001), LateUsage(Month(2025, 12), 10))
    )
    draft = rate_account_month(inputs, make_grid(), date(2026, 3, 2), VAT_20)
    assert draft is not None
    overage = next(line for line in draft.lines if line.kind == "overage")
    assert overage.details["late_usage"] == "2025-12: 10; 2026-01: 3001"
    assert overage.details["late_usage_credits"] == 3_011


def test_advanced_support_line_shows_hours_used_and_included() -> None:
    inputs = account_month(
        options=(OptionInterval("advanced_support", "AS4", date(2025, 6, 1), None),),
        support_hours_used=Decimal("3"),
    )
    draft = rate_account_month(inputs, make_grid(), date(2026, 3, 2), VAT_20)
    assert draft is not None
    kinds = [line.kind for line in draft.lines]
    assert kinds == ["plan_fee", "advanced_support"]  # 3 h ≤ 4 h: no extra-hours line
    support = draft.lines[1]
    assert support.label == "Accompagnement Avancé AS4 — février 2026 (28/28 jours)"
    assert support.amount == m("380.00")
    assert support.details["hours_used"] == "3"
    assert support.details["hours_included"] == "4"


def test_option_accepted_before_service_start_is_billed_from_service_start() -> None:
    # Service from 2026-02-10 (19 days), opt-out signed on 2026-02-01: billed 19/28 → 40 × 19/28 = 27.14
    inputs = account_month(
        service_start=date(2026, 2, 10),
        options=(OptionInterval("reference_opt_out", None, date(2026, 2, 1), None),),
    )
    draft = rate_account_month(inputs, make_grid(), date(2026, 3, 2), VAT_20)
    assert draft is not None
    opt_out = draft.lines[1]
    assert (opt_out.kind, opt_out.quantity, opt_out.amount) == ("reference_opt_out", "19/28", m("27.14"))


def test_freemium_account_is_never_invoiced() -> None:
    inputs = account_month(freemium=True, credits=90_000, installation_fee=m("800.00"))
    assert rate_account_month(inputs, make_grid(), date(2026, 3, 2), VAT_20) is None


def test_month_before_service_start_gives_no_invoice() -> None:
    inputs = account_month(month=Month(2026, 1), service_start=date(2026, 2, 10))
    assert rate_account_month(inputs, make_grid(), date(2026, 2, 2), VAT_20) is None


def test_month_after_service_end_with_only_penalty_credits_gives_no_invoice() -> None:
    inputs = account_month(
        month=Month(2026, 5),
        service_end=date(2026, 4, 30),
        penalty_credits=(credit("pc-1", date(2026, 4, 1), date(2026, 3, 1), "50.00"),),
    )
    assert rate_account_month(inputs, make_grid(), date(2026, 6, 1), VAT_20) is None


def test_month_after_service_end_still_bills_an_intervention_recorded_in_it() -> None:
    inputs = account_month(
        month=Month(2026, 5),
        service_end=date(2026, 4, 30),
        interventions=(Intervention(date(2026, 5, 4), Decimal("2"), "Reprise de données"),),
    )
    draft = rate_account_month(inputs, make_grid(), date(2026, 6, 1), VAT_20)
    assert draft is not None
    assert [(line.kind, str(line.amount)) for line in draft.lines] == [("intervention", "200.00")]  # 2 × 100
    assert (str(draft.total_vat), str(draft.total_ttc)) == ("40.00", "240.00")


def test_installation_fee_is_not_billed_after_the_first_month() -> None:
    inputs = account_month(
        month=Month(2026, 3), service_start=date(2026, 2, 10), installation_fee=m("800.00")
    )
    draft = rate_account_month(inputs, make_grid(), date(2026, 4, 1), VAT_20)
    assert draft is not None
    assert [line.kind for line in draft.lines] == ["plan_fee"]


def test_penalty_credit_granted_after_issue_date_is_not_used() -> None:
    inputs = account_month(penalty_credits=(credit("pc-1", date(2026, 3, 3), date(2026, 2, 1), "10.00"),))
    draft = rate_account_month(inputs, make_grid(), date(2026, 3, 2), VAT_20)
    assert draft is not None
    assert draft.total_ht == m("500.00")
    assert draft.penalty_allocations == ()


def test_vat_rate_is_the_one_passed_for_the_issue_date() -> None:
    draft = rate_account_month(account_month(), make_grid(), date(2026, 3, 2), Decimal("5.5"))
    assert draft is not None
    assert draft.total_vat == m("27.50")  # 500.00 × 5.5 % = 27.50
    assert draft.to_dict()["vat_rate"] == "5.50"
