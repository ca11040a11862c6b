"""The monthly prices of an account: plan fee and option fees (art. 8, 10.1, 12.3, 14, 17.1; BILLING_RULES §5.2-5.3).

One place prices an option for a month, so the invoice (``invoices/rating.py``) and the
early-termination indemnity (art. 14, "redevances mensuelles") can never disagree on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from ledger.errors import InvalidInput
from ledger.grid import PlanPrice, PriceGrid
from ledger.money import Money

__all__ = ["OptionPeriod", "option_monthly_fee", "recurring_monthly_fees"]


class OptionPeriod(Protocol):
    """An option's interval as the account and the rating input both hold it (both days inclusive)."""

    @property
    def option(self) -> str: ...
    @property
    def pack(self) -> str | None: ...
    @property
    def accepted_on(self) -> date: ...
    @property
    def ended_on(self) -> date | None: ...


def option_monthly_fee(grid: PriceGrid, plan: PlanPrice, option: str, pack: str | None) -> Money:
    """The full-month fee of one option under ``grid`` for a customer on ``plan``.

    Branding removal is a fixed fee or a percent of the plan fee ("majoration", art. 8, §4 Decision);
    the reference opt-out is a fixed fee (art. 17.1); Advanced Support is its pack's fee (art. 12.3).
    A pack the grid lacks is a 422 naming ``pack`` (``PriceGrid.support_pack``).
    """
    if option == "branding_removal":
        return grid.branding_removal.monthly_price(plan.monthly_fee)
    if option == "reference_opt_out":
        return grid.reference_opt_out_fee
    if option == "advanced_support":
        if not pack:
            raise InvalidInput("an Advanced Support option needs a pack", field="pack")
        return grid.support_pack(pack).monthly_fee
    raise InvalidInput(f"unknown option {option!r}", field="option")


def recurring_monthly_fees(grid: PriceGrid, plan: str, options: Iterable[OptionPeriod], on: date) -> Money:
    """The monthly fees ("redevances mensuelles", art. 14) of a plan and the options active on ``on``.

    An option counts when ``accepted_on <= on <= ended_on`` (both inclusive, open end while it runs).
    An Advanced Support interval without a pack adds nothing (it cannot be priced).
    """
    plan_price = grid.plan(plan)
    total = plan_price.monthly_fee
    for interval in options:
        if interval.accepted_on > on or (interval.ended_on is not None and interval.ended_on < on):
            continue
        if interval.option == "advanced_support" and not interval.pack:
            continue
        if interval.option not in ("branding_removal", "reference_opt_out", "advanced_support"):
            continue
        total = total + option_monthly_fee(grid, plan_price, interval.option, interval.pack)
    return total
