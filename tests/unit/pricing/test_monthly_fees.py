"""Art. 14 "redevances mensuelles" and the option prices (art. 8, 12.3, 17.1), computed in one place."""

from __future__ import annotations

from datetime import date

import pytest
from support.factories import GRID_2026_A

from ledger.errors import InvalidInput
from ledger.grid_catalogue import grid_from_dict
from ledger.money import Money
from ledger.months import Month
from pricing.account_month import OptionInterval
from pricing.monthly_fees import option_monthly_fee, recurring_monthly_fees
from pricing.proration import month_cap

GRID = grid_from_dict(GRID_2026_A)  # PRO 500.00, branding removal 10 % of the plan, opt-out 40.00, AS4 380.00
PRO = GRID.plan("PRO")


def test_branding_removal_is_a_percent_of_the_plan_fee() -> None:
    # 10 % of 500.00 = 50.00
    assert option_monthly_fee(GRID, PRO, "branding_removal", None) == Money.of("50.00")


def test_reference_opt_out_and_support_pack_are_fixed_fees() -> None:
    assert option_monthly_fee(GRID, PRO, "reference_opt_out", None) == Money.of("40.00")
    assert option_monthly_fee(GRID, PRO, "advanced_support", "AS4") == Money.of("380.00")


def test_a_support_option_without_a_pack_is_refused_naming_pack() -> None:
    with pytest.raises(InvalidInput) as refused:
        option_monthly_fee(GRID, PRO, "advanced_support", None)
    assert refused.value.field == "pack"


def test_monthly_fees_add_the_options_active_on_the_day() -> None:
    options = [
        OptionInterval("branding_removal", None, date(2026, 2, 1), None),  # active: + 50.00
        OptionInterval("advanced_support", "AS4", date(2026, 2, 1), date(2026, 3, 31)),  # active on 31 March: + 380.00
        OptionInterval("reference_opt_out", None, date(2026, 4, 1), None),  # not yet: + 0
    ]
    # 500.00 + 50.00 + 380.00 = 930.00
    assert recurring_monthly_fees(GRID, "PRO", options, date(2026, 3, 31)) == Money.of("930.00")
    # 1 April: the pack has ended, the opt-out has started: 500.00 + 50.00 + 40.00 = 590.00
    assert recurring_monthly_fees(GRID, "PRO", options, date(2026, 4, 1)) == Money.of("590.00")


def test_the_plan_alone_without_options() -> None:
    assert recurring_monthly_fees(GRID, "START", [], date(2026, 3, 1)) == Money.of("90.00")


def test_month_cap_is_prorated_up_to_the_service_days() -> None:
    # PRO 40,000 credits, service from 10 Feb 2026: 19 of 28 days, ceil(40,000 × 19 / 28) = ceil(27,142.86) = 27,143
    assert month_cap(40000, Month(2026, 2), date(2026, 2, 10), None) == 27143
    # A whole month: the whole cap; ended 15 March: ceil(40,000 × 15 / 31) = ceil(19,354.84) = 19,355
    assert month_cap(40000, Month(2026, 3), date(2026, 2, 10), None) == 40000
    assert month_cap(40000, Month(2026, 3), date(2026, 2, 10), date(2026, 3, 15)) == 19355
    # No service day in the month: no credit included
    assert month_cap(40000, Month(2026, 1), date(2026, 2, 10), None) == 0
