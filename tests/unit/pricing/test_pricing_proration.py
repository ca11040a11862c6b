"""Proration, prorated caps and overage blocks (BILLING_RULES §5.1-5.4, §3)."""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInput
from ledger.money import Money
from ledger.months import Month
from pricing.proration import overage_blocks, prorate, prorated_cap, service_days


@pytest.mark.parametrize(
    ("month", "start", "end", "days"),
    [
        pytest.param(Month(2026, 2), date(2026, 2, 10), None, 19, id="mid-february-open"),  # 10..28
        pytest.param(Month(2026, 2), date(2025, 6, 1), None, 28, id="full-february"),
        pytest.param(Month(2028, 2), date(2028, 1, 1), None, 29, id="full-leap-february"),
        pytest.param(Month(2026, 1), date(2026, 1, 31), None, 1, id="start-on-last-day"),
        pytest.param(Month(2026, 3), date(2026, 3, 1), date(2026, 3, 1), 1, id="one-day"),
        pytest.param(Month(2026, 3), date(2026, 1, 5), date(2026, 3, 13), 13, id="ends-mid-month"),
        pytest.param(Month(2026, 3), date(2026, 4, 1), None, 0, id="starts-after"),
        pytest.param(Month(2026, 3), date(2026, 1, 1), date(2026, 2, 28), 0, id="ended-before"),
        pytest.param(Month(2026, 3), date(2026, 3, 20), date(2026, 3, 10), 0, id="empty-interval"),
    ],
)
def test_service_days_counts_both_ends(month: Month, start: date, end: date | None, days: int) -> None:
    assert service_days(month, start, end) == days


@pytest.mark.parametrize(
    ("monthly", "days", "dim", "expected"),
    [
        pytest.param("500.00", 19, 28, "339.29", id="worked-example"),  # 339.2857… → 339.29
        pytest.param("500.00", 1, 31, "16.13", id="one-day-of-31"),  # 16.1290…
        pytest.param("500.00", 15, 29, "258.62", id="leap-february"),  # 258.6206…
        pytest.param("0.70", 15, 28, "0.38", id="half-cent-rounds-up"),  # 0.375 exactly → 0.38
        pytest.param("-0.70", 15, 28, "-0.38", id="negative-half-away-from-zero"),
        pytest.param("50.00", 28, 28, "50.00", id="full-month"),
        pytest.param("24.999975", 30, 30, "25.00", id="full-month-unrounded-price"),
        pytest.param("500.00", 0, 30, "0.00", id="no-day"),
    ],
)
def test_prorate_rounds_half_up_to_the_cent(monthly: str, days: int, dim: int, expected: str) -> None:
    assert prorate(Money.of(monthly), days, dim) == Money.of(expected)


def test_prorate_refuses_more_days_than_the_month() -> None:
    with pytest.raises(InvalidInput):
        prorate(Money.of("1"), 32, 31)


def test_prorated_cap_and_blocks_of_the_worked_example() -> None:
    assert prorated_cap(40_000, 19, 28) == 27_143  # ceil(27,142.857…)
    assert prorated_cap(40_000, 28, 28) == 40_000
    assert prorated_cap(40_000, 14, 28) == 20_000  # exact: no rounding up
    assert overage_blocks(7_857, 500) == 16  # 15.714 → 16 started blocks
    assert overage_blocks(500, 500) == 1
    assert overage_blocks(501, 500) == 2
    assert overage_blocks(0, 500) == 0


cent_amounts = st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: Money(Decimal(c) / 100))
dims = st.sampled_from([28, 29, 30, 31])


@given(monthly=cent_amounts, dim=dims)
def test_full_month_is_exactly_the_monthly_fee(monthly: Money, dim: int) -> None:
    assert prorate(monthly, dim, dim) == monthly


@given(monthly=cent_amounts, dim=dims, data=st.data())
def test_prorate_is_the_exact_product_rounded_once(monthly: Money, dim: int, data: st.DataObject) -> None:
    days = data.draw(st.integers(min_value=0, max_value=dim))
    with localcontext() as ctx:
        ctx.prec = 60
        expected = (monthly.amount * days / dim).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert prorate(monthly, days, dim).amount == expected


@given(cap=st.integers(min_value=0, max_value=10**12), dim=dims, data=st.data())
def test_prorated_cap_is_the_exact_ceiling(cap: int, dim: int, data: st.DataObject) -> None:
    days = data.draw(st.integers(min_value=0, max_value=dim))
    assert prorated_cap(cap, days, dim) == math.ceil(Fraction(cap * days, dim))


@given(excess=st.integers(min_value=0, max_value=10**9), block=st.integers(min_value=1, max_value=10**6))
def test_overage_blocks_cover_the_excess_with_started_blocks(excess: int, block: int) -> None:
    blocks = overage_blocks(excess, block)
    assert blocks * block >= excess
    assert (blocks - 1) * block < excess or blocks == 0
