"""Catch-up lines and late usage in the pure rating (BILLING_RULES §5.4, §7, §7b)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from invoices.draft import InvoiceLine, unit_price_text
from invoices.rating import rate_account_month
from ledger.grid import BrandingRemovalPrice, PlanPrice, PriceGrid
from ledger.money import Money
from ledger.months import Month
from pricing.account_month import AccountMonth, BilledAmount, CatchUpMonth
from pricing.proration import overage_blocks

VAT_20 = Decimal("20.00")
BLOCK_PRICE = Decimal("0.125")  # six decimals allowed (§3): 0.125 per started block of 100


def grid() -> PriceGrid:
    """LITE: 30.00 a month, cap 1,000 credits, 0.125 per started block of 100 credits."""
    return PriceGrid(
        version="T",
        effective_from=date(2026, 1, 1),
        notified_on=date(2025, 11, 1),
        vat_rate=VAT_20,
        plans={"LITE": PlanPrice("LITE", "Lite", Money.of("30.00"), 1_000, 100, BLOCK_PRICE)},
        branding_removal=BrandingRemovalPrice(percent_of_plan=Decimal("10")),
        reference_opt_out_fee=Money.of("40.00"),
        support_packs={},
        specific_development_rate=Money.of("100.00"),
    )


def inputs(month: Month, credits: int, **changes: object) -> AccountMonth:
    base = AccountMonth(
        account="acme", legal_name="ACME SAS", vat_regime="standard", month=month, plan="LITE",
        service_start=date(2026, 2, 1), service_end=None, installation_fee=Money.of("0.00"), freemium=False,
        payment_method="transfer", mandate_reference=None, options=(), support_hours_used=Decimal(0),
        interventions=(), credits=credits, late_usage=(), early_termination_indemnity=None, penalty_credits=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


FEB, MAR = Month(2026, 2), Month(2026, 3)


def test_late_usage_is_billed_at_its_own_months_cap_minus_what_was_billed() -> None:
    # February was billed with 1,250 credits: 250 over → 3 blocks × 0.125 = 0.375 → 0.38.
    # 800 more February credits came late: 2,050 → 1,050 over → 11 blocks × 0.125 = 1.375 → 1.38;
    # catch-up 1.38 − 0.38 = 1.00. March's own 990 credits stay under March's own cap: no overage.
    past = CatchUpMonth(
        inputs=inputs(FEB, 2_050), grid=grid(), late_credits=800,
        billed=(BilledAmount("plan_fee", Money.of("30.00")), BilledAmount("overage", Money.of("0.38"))),
    )
    draft = rate_account_month(inputs(MAR, 990, catch_up=(past,)), grid(), date(2026, 4, 1), VAT_20)
    assert draft is not None
    assert [(line.kind, str(line.period) if line.period else None, str(line.amount)) for line in draft.lines] == [
        ("overage", "2026-02", "1.00"), ("plan_fee", None, "30.00")]
    overage = draft.lines[0].to_dict()
    assert overage["period"] == "2026-02"
    assert overage["unit_price"] == "0.125"  # the block price as the grid has it, never rounded (§5.4)
    assert overage["details"]["late_usage_credits"] == 800
    assert (overage["details"]["consumed"], overage["details"]["cap"], overage["details"]["blocks"]) == (2050, 1000, 11)
    # HT 31.00, VAT 6.20, TTC 37.20
    assert (str(draft.total_ht), str(draft.total_vat), str(draft.total_ttc)) == ("31.00", "6.20", "37.20")


def test_late_usage_adding_no_overage_is_still_shown_with_its_month() -> None:
    # 1,250 + 30 late = 1,280 → still 3 blocks: 0.38 billed, nothing more; a 0.00 line names February.
    past = CatchUpMonth(
        inputs=inputs(FEB, 1_280), grid=grid(), late_credits=30,
        billed=(BilledAmount("plan_fee", Money.of("30.00")), BilledAmount("overage", Money.of("0.38"))),
    )
    draft = rate_account_month(inputs(MAR, 0, catch_up=(past,)), grid(), date(2026, 4, 1), VAT_20)
    assert draft is not None
    late = draft.lines[0]
    assert (late.kind, late.period, str(late.amount), late.details["late_usage_credits"]) == ("overage", FEB, "0.00", 30)
    assert str(draft.total_ht) == "30.00"


def test_a_closed_month_never_billed_is_billed_whole_and_an_issued_amount_is_never_lowered() -> None:
    # A contract recorded late: February 15..28 = 30 × 14/28 = 15.00 (never billed); a fact that
    # would lower an issued line (billed 30.00 for a month now worth 15.00) bills nothing.
    never = CatchUpMonth(inputs=inputs(FEB, 0, service_start=date(2026, 2, 15)), grid=grid(), late_credits=0,
                         billed=())
    lower = CatchUpMonth(inputs=inputs(FEB, 0, service_start=date(2026, 2, 15)), grid=grid(), late_credits=0,
                         billed=(BilledAmount("plan_fee", Money.of("30.00")),))
    first = rate_account_month(inputs(MAR, 0, catch_up=(never,)), grid(), date(2026, 4, 1), VAT_20)
    second = rate_account_month(inputs(MAR, 0, catch_up=(lower,)), grid(), date(2026, 4, 1), VAT_20)
    assert first is not None and second is not None
    assert [(line.kind, line.quantity, str(line.amount)) for line in first.lines if line.period] == [
        ("plan_fee", "14/28", "15.00")]
    assert [line for line in second.lines if line.period] == []


def test_unit_prices_keep_their_precision() -> None:
    assert unit_price_text(Money(Decimal("0.125"))) == "0.125"
    assert unit_price_text(Money(Decimal("2.500000"))) == "2.50"
    assert unit_price_text(Money(Decimal("0.000001"))) == "0.000001"
    assert unit_price_text(Money.of("500.00")) == "500.00"
    line = InvoiceLine("overage", "x", "1", Money(Decimal("1.234567")), Money.of("1.23"))
    assert line.to_dict()["unit_price"] == "1.234567"


# -- property: late usage at its own month's cap (§7) -------------------------------------------------

MONTHS = [Month(2026, 2), Month(2026, 3), Month(2026, 4), Month(2026, 5)]


def overage_of(credits: int) -> Decimal:
    """§5.4 for a full month of LITE: ceil(max(0, credits − 1,000) / 100) × 0.125, rounded to the cent."""
    blocks = overage_blocks(max(0, credits - 1_000), 100)
    return (BLOCK_PRICE * blocks).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


reports = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(1, 2_500)).map(
        lambda r: (r[0], max(r[0], r[1]), r[2])  # (stamped month, reported before the close of, credits)
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(reports=reports)
def test_the_overage_billed_for_a_month_over_all_invoices_is_its_overage_at_its_own_cap(
    reports: list[tuple[int, int, int]],
) -> None:
    """Usage reported before and after closes: month i's close books what was reported by then;
    usage stamped in an earlier month and reported since is a catch-up at that month's cap (§7)."""
    billed: defaultdict[int, list[BilledAmount]] = defaultdict(list)
    overage_billed: defaultdict[int, Decimal] = defaultdict(Decimal)
    for close in range(5):  # closes of February .. June
        month = MONTHS[close] if close < 4 else Month(2026, 6)
        own = sum(c for origin, when, c in reports if origin == close and when == close)
        catch_up = []
        for origin in range(min(close, 4)):
            late = sum(c for o, when, c in reports if o == origin and when == close)
            if late:
                total = sum(c for o, when, c in reports if o == origin and when <= close)
                catch_up.append(CatchUpMonth(inputs(MONTHS[origin], total), grid(), late, tuple(billed[origin])))
        draft = rate_account_month(inputs(month, own, catch_up=tuple(catch_up)), grid(), date(2026, 7, 1), VAT_20)
        assert draft is not None
        for line in draft.lines:
            period = close if line.period is None else MONTHS.index(line.period)
            billed[period].append(BilledAmount(line.kind, line.amount))
            if line.kind == "overage":
                overage_billed[period] += line.amount.amount
    for origin in range(4):
        total = sum(c for o, _when, c in reports if o == origin)
        assert overage_billed[origin] == overage_of(total), origin


def test_a_complement_prints_the_blocks_it_bills_not_the_month_s_whole_quantity() -> None:
    """Issue 18: quantity × unit price = amount on a catch-up line too (§3, §7b)."""
    pro = PlanPrice("PRO", "Flexio Pro", Money.of("500.00"), 40_000, 500, Decimal("2.50"))
    pro_grid = replace(grid(), plans={"PRO": pro})
    # February was billed with 48,000 credits: 8,000 over the 40,000 cap = 16 blocks of 500 × 2.50 = 40.00.
    # 5,000 February credits came late: 53,000 → 13,000 over = 26 blocks × 2.50 = 65.00 for the month;
    # the catch-up bills 65.00 − 40.00 = 25.00, i.e. 26 − 16 = 10 blocks × 2.50 = 25.00.
    past = CatchUpMonth(
        inputs=inputs(FEB, 53_000, plan="PRO"), grid=pro_grid, late_credits=5_000,
        billed=(BilledAmount("plan_fee", Money.of("500.00")), BilledAmount("overage", Money.of("40.00"))),
    )
    draft = rate_account_month(inputs(MAR, 0, plan="PRO", catch_up=(past,)), pro_grid, date(2026, 4, 1), VAT_20)
    assert draft is not None
    overage = draft.lines[0].to_dict()
    assert (overage["kind"], overage["period"]) == ("overage", "2026-02")
    assert (overage["quantity"], overage["unit_price"], overage["amount"]) == ("10", "2.50", "25.00")
    assert overage["details"]["blocks"] == 26  # the month's blocks, shown beside what was billed
    assert (overage["details"]["already_billed"], overage["details"]["due_for_period"]) == ("40.00", "65.00")


def test_every_complement_line_multiplies_back_to_its_amount() -> None:
    # The 0.125 block price of the first test: 11 blocks now − 0.38 / 0.125 = 3 billed → 8 × 0.125 = 1.00.
    past = CatchUpMonth(
        inputs=inputs(FEB, 2_050), grid=grid(), late_credits=800,
        billed=(BilledAmount("plan_fee", Money.of("30.00")), BilledAmount("overage", Money.of("0.38"))),
    )
    draft = rate_account_month(inputs(MAR, 990, catch_up=(past,)), grid(), date(2026, 4, 1), VAT_20)
    assert draft is not None
    line = draft.lines[0]
    assert (line.quantity, str(line.amount)) == ("8", "1.00")
    assert line.unit_price is not None and line.unit_price.amount * Decimal(line.quantity) == line.amount.amount
    # A contract start moved earlier after the close: billed 23/28 of 30.00 = 24.64 (rounded half-up
    # from 24.642857); now 28/28 = 30.00: complement 5.36 = 5/28 days (30 × 5 / 28 = 5.357 → 5.36).
    earlier = CatchUpMonth(inputs=inputs(FEB, 0), grid=grid(), late_credits=0,
                           billed=(BilledAmount("plan_fee", Money.of("24.64")),))
    draft = rate_account_month(inputs(MAR, 0, catch_up=(earlier,)), grid(), date(2026, 4, 1), VAT_20)
    assert draft is not None
    assert (draft.lines[0].quantity, str(draft.lines[0].amount)) == ("5/28", "5.36")
