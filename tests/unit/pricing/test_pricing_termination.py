"""Art. 14 early-termination indemnity: monthly fees still due for the current period."""

from __future__ import annotations

from datetime import date

from ledger.money import Money
from ledger.months import Month
from pricing.termination import early_termination_indemnity


def test_remaining_days_are_prorated_month_by_month() -> None:
    # March 14..31 = 18 days: 550 × 18/31 = 319.354… → 319.35; April 1..4: 550 × 4/30 = 73.333… → 73.33
    fees = early_termination_indemnity(lambda _m: Money.of("550.00"), date(2026, 3, 14), date(2026, 4, 4))
    assert fees == Money.of("392.68")


def test_whole_months_cost_their_full_fee_and_fees_may_change_by_month() -> None:
    prices = {Month(2026, 2): Money.of("500.00"), Month(2026, 3): Money.of("520.00")}
    # February whole (500.00) + March 1..31 whole (520.00) = 1,020.00
    fees = early_termination_indemnity(prices.__getitem__, date(2026, 2, 1), date(2026, 3, 31))
    assert fees == Money.of("1020.00")


def test_one_day_and_empty_period() -> None:
    # 1 day of February 2028 (29 days): 500 / 29 = 17.241… → 17.24
    assert early_termination_indemnity(
        lambda _m: Money.of("500"), date(2028, 2, 29), date(2028, 2, 29)
    ) == Money.of("17.24")
    assert (
        early_termination_indemnity(lambda _m: Money.of("500"), date(2026, 4, 5), date(2026, 4, 4))
        == Money.zero()
    )
