"""The customer's usage statement of a month: credits by day against the cap (art. 10.1), and the
late usage booked in the month with its original month (BILLING_RULES §7). Pure.

So a customer can check an overage before disputing it: the day the cumulative consumption
crossed the cap is the first day marked ``over``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ledger.months import Month

__all__ = ["StatementDay", "statement_days"]


@dataclass(frozen=True)
class StatementDay:
    day: date
    credits: int
    cumulative: int
    cap: int | None
    over_cap: bool


def statement_days(month: Month, per_day: dict[date, int], cap: int | None) -> list[StatementDay]:
    """One row per calendar day of the month, with the running total.

    Example: cap 100, usage 60 on the 1st and 50 on the 2nd: cumulative 60 then 110; the 2nd is
    the first day over the cap.
    """
    rows: list[StatementDay] = []
    cumulative = 0
    day = month.first_day
    while day <= month.last_day:
        credits = per_day.get(day, 0)
        cumulative += credits
        rows.append(StatementDay(day, credits, cumulative, cap, cap is not None and cumulative > cap))
        day += timedelta(days=1)
    return rows
