"""Properties every rated invoice keeps, whatever the month (BILLING_RULES §3, §5.8)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from invoices.rating import rate_account_month
from ledger.grid import BrandingRemovalPrice, PlanPrice, PriceGrid, SupportPack
from ledger.money import Money, money_sum
from ledger.months import Month
from pricing.account_month import AccountMonth, AvailablePenaltyCredit, Intervention, OptionInterval


def make_grid(block_price: Decimal) -> PriceGrid:
    """One plan with a 6-decimal-capable block price (§3); options and packs as in API.md."""
    return PriceGrid(
        version="P",
        effective_from=date(2020, 1, 1),
        notified_on=date(2019, 11, 1),
        vat_rate=Decimal("20.00"),
        plans={"PRO": PlanPrice("PRO", "Flexio Pro", Money.of("333.33"), 40_000, 700, block_price)},
        branding_removal=BrandingRemovalPrice(percent_of_plan=Decimal("7.5")),
        reference_opt_out_fee=Money.of("40.00"),
        support_packs={"AS4": SupportPack("AS4", Decimal("4"), Money.of("380.00"), Money.of("95.00"))},
        specific_development_rate=Money.of("100.00"),
    )


cents = st.integers(min_value=0, max_value=300_000).map(lambda c: Money(Decimal(c) / 100))
days_2026 = st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 4, 30))


@st.composite
def account_months(draw: st.DrawFn) -> tuple[AccountMonth, date]:
    month = draw(st.sampled_from([Month(2026, 1), Month(2026, 2), Month(2026, 3)]))
    start = draw(days_2026)
    end = draw(st.none() | days_2026.filter(lambda d: d >= start))
    options = tuple(
        OptionInterval(kind, "AS4" if kind == "advanced_support" else None, accepted, None)
        for kind, accepted in draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["branding_removal", "reference_opt_out", "advanced_support"]), days_2026
                ),
                max_size=3,
            )
        )
    )
    issue = month.last_day + timedelta(days=draw(st.integers(min_value=1, max_value=20)))
    penalties = tuple(
        AvailablePenaltyCredit(f"pc{i}", granted, granted - timedelta(days=3), remaining)
        for i, (granted, remaining) in enumerate(draw(st.lists(st.tuples(days_2026, cents), max_size=4)))
    )
    inputs = AccountMonth(
        account="acme",
        legal_name="ACME",
        vat_regime=draw(st.sampled_from(["standard", "reverse_charge", "export"])),
        month=month,
        plan="PRO",
        service_start=start,
        service_end=end,
        installation_fee=draw(cents),
        freemium=False,
        payment_method=draw(st.sampled_from(["sepa_debit", "transfer", "cheque"])),
        mandate_reference="RUM",
        options=options,
        support_hours_used=Decimal(draw(st.integers(min_value=0, max_value=40))) / 4,
        interventions=tuple(
            Intervention(month.first_day, Decimal(h) / 4, "x")
            for h in draw(st.lists(st.integers(min_value=0, max_value=40), max_size=2))
        ),
        credits=draw(st.integers(min_value=0, max_value=120_000)),
        late_usage=(),
        early_termination_indemnity=draw(st.none() | cents),
        penalty_credits=penalties,
    )
    return inputs, issue


@settings(max_examples=300, deadline=None)
@given(
    case=account_months(),
    block_price=st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("9.999999"), places=6),
)
def test_totals_add_up_never_go_negative_and_penalties_stay_within_bounds(
    case: tuple[AccountMonth, date], block_price: Decimal
) -> None:
    inputs, issue = case
    draft = rate_account_month(inputs, make_grid(block_price), issue, Decimal("20.00"))
    if draft is None:
        return
    # §3: every line to the cent; TTC = HT + VAT; VAT on the total HT.
    assert all(line.amount == line.amount.to_cents() for line in draft.lines)
    assert draft.total_ht == money_sum([line.amount for line in draft.lines])
    assert draft.total_ttc == draft.total_ht + draft.total_vat
    assert draft.total_vat == Money(draft.total_ht.amount * draft.vat_rate / 100).to_cents()
    # §5.8: never below zero; deduction within the subtotal and within the usable credits.
    assert not draft.total_ht.is_negative()
    assert not draft.total_ttc.is_negative()
    penalty = money_sum([line.amount for line in draft.lines if line.kind == "penalty_credit"])
    subtotal = money_sum([line.amount for line in draft.lines if line.kind != "penalty_credit"])
    used = money_sum([a.amount for a in draft.penalty_allocations])
    usable = money_sum(
        [c.remaining for c in inputs.penalty_credits if c.granted_on <= issue and c.remaining.is_positive()]
    )
    assert penalty == -used
    assert used <= subtotal
    assert used <= usable
    assert used == min(subtotal, usable)
    remaining = {c.credit_id: c.remaining for c in inputs.penalty_credits}
    assert all(a.amount <= remaining[a.credit_id] for a in draft.penalty_allocations)
    assert (draft.collection_date is not None) == (inputs.payment_method == "sepa_debit")
