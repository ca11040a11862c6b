"""Late interest summed per half-year (BILLING_RULES §8), the same as summed day by day, and cheap.

A receivables list of 10,000 invoices looked the rate up once per late day of each invoice (issue 20
item 4); the rate is the same on every day of a half-year, so each half-year adds rate × days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from exports.late_interest import DAYS_IN_YEAR, HalfYearRates, RateTable, half_year, late_charge
from ledger.money import round_half_up

# 2024-H2 left out on purpose: a half-year without a value.
RATES = RateTable({
    "2024-H1": HalfYearRates(Decimal("4.50"), Decimal("5.07")),
    "2025-H1": HalfYearRates(Decimal("3.15"), Decimal("3.71")),
    "2025-H2": HalfYearRates(Decimal("2.15"), Decimal("2.76")),
    "2026-H1": HalfYearRates(Decimal("2.15"), Decimal("2.62")),
})


class CountingTable(RateTable):
    def __init__(self, table: RateTable) -> None:
        super().__init__(table.rates)
        self.lookups = 0

    def rate_on(self, day: date) -> Decimal | None:
        self.lookups += 1
        return super().rate_on(day)


def day_by_day(outstanding: Decimal, due: date, on: date, interest_from: date | None) -> tuple[Decimal | None, tuple[str, ...]]:
    """§8 as written: Σ(rate of each late day) / 365, rounded half-up once; missing half-years listed."""
    start = max(due + timedelta(days=1), interest_from) if interest_from else due + timedelta(days=1)
    total, missing, day = Decimal(0), [], start
    while day <= on:
        rate = RATES.rate_on(day)
        if rate is None:
            if half_year(day) not in missing:
                missing.append(half_year(day))
        else:
            total += rate
        day += timedelta(days=1)
    if missing:
        return None, tuple(missing)
    return round_half_up(outstanding * total / Decimal(100) / DAYS_IN_YEAR), ()


def test_a_year_late_looks_the_rate_up_once_per_half_year() -> None:
    # 1000.00 due 2025-01-31, on 2026-01-31: 2025-02-01..06-30 (150 days) at max(3.15 + 10, 3 × 3.71) = 13.15,
    # 2025-H2 (184 days) at max(2.15 + 10, 3 × 2.76) = 12.15, 2026-01-01..31 (31 days) at 12.15:
    # 1000 × (150 × 13.15 + 215 × 12.15) / 100 / 365 = 1000 × 45.8475 / 365 = 125.6095… → 125.61
    table = CountingTable(RATES)
    charge = late_charge(Decimal("1000.00"), date(2025, 1, 31), date(2026, 1, 31), table)
    assert (charge.days_late, charge.interest, charge.missing_rates) == (365, Decimal("125.61"), ())
    assert table.lookups == 3  # before: 365, one a day


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 1)),
    st.integers(min_value=0, max_value=700),
    st.one_of(st.none(), st.integers(min_value=0, max_value=700)),
)
def test_per_half_year_equals_day_by_day(outstanding: Decimal, due: date, late: int, from_offset: int | None) -> None:
    on = min(due + timedelta(days=late), date(2026, 6, 30))
    interest_from = None if from_offset is None else due + timedelta(days=from_offset)
    charge = late_charge(outstanding, due, on, RATES, interest_from=interest_from)
    if charge.days_late == 0:
        return
    assert (charge.interest, charge.missing_rates) == day_by_day(outstanding, due, on, interest_from)
