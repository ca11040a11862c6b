"""The customer's usage statement of a month: credits by day against the cap (art. 10.1), and the
late usage booked in the month with its original month (BILLING_RULES §7). Pure.

So a customer can check an overage before disputing it: the day the cumulative consumption
crossed the cap is the first day marked ``over``, and each day shows the overage accrued so far in
euros, priced as the invoice will price it (§5.4: started blocks above the prorated cap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledger.money import Money
from ledger.months import Month
from pricing.proration import overage_blocks

__all__ = ["OverageTerms", "StatementDay", "overage_amount", "statement_days"]


@dataclass(frozen=True)
class OverageTerms:
    """The plan's overage price in force for the month: ``block_price`` per started block of
    ``block_credits`` credits above the cap (art. 4, 10.1)."""

    block_credits: int
    block_price: Decimal


@dataclass(frozen=True)
class StatementDay:
    day: date
    credits: int
    cumulative: int
    cap: int | None
    over_cap: bool
    overage: Money | None = None  # accrued at this day's cumulative; None when no price is known


def overage_amount(cumulative: int, cap: int, terms: OverageTerms) -> Money:
    """What the overage line would bill for ``cumulative`` credits (§5.4, rounded once to the cent).

    Example: cap 27,143, 35,000 credits, 2.50 per started block of 500: excess 7,857 → 16 blocks →
    40.00 (BILLING_RULES §10).
    """
    excess = max(0, cumulative - cap)
    blocks = overage_blocks(excess, terms.block_credits)
    return Money(terms.block_price * blocks).to_cents()


def statement_days(
    month: Month, per_day: dict[date, int], cap: int | None, terms: OverageTerms | None = None
) -> list[StatementDay]:
    """One row per calendar day of the month, with the running total.

    Example: cap 100, usage 60 on the 1st and 50 on the 2nd: cumulative 60 then 110; the 2nd is
    the first day over the cap; at 1.00 per started block of 25 credits, the 2nd shows 1.00
    (10 credits over → 1 block).
    """
    rows: list[StatementDay] = []
    cumulative = 0
    day = month.first_day
    while day <= month.last_day:
        credits = per_day.get(day, 0)
        cumulative += credits
        overage = overage_amount(cumulative, cap, terms) if cap is not None and terms is not None else None
        rows.append(StatementDay(day, credits, cumulative, cap, cap is not None and cumulative > cap, overage))
        day += timedelta(days=1)
    return rows
