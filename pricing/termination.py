"""Early-termination indemnity (contract art. 14, BILLING_RULES §5.7 and §9).

Art. 14: "une indemnité [...] égale aux redevances mensuelles restant dues pour la période
contractuelle en cours". The remaining period rarely starts or ends on a month boundary, so each
calendar month is prorated on its own days, exactly like a normal invoice would have been (§5.1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ledger.money import Money, money_sum
from ledger.months import Month
from pricing.proration import prorate, service_days

__all__ = ["early_termination_indemnity"]


def early_termination_indemnity(
    monthly_fees_by_month: Callable[[Month], Money], from_day: date, to_day: date
) -> Money:
    """Sum over months of the monthly fees prorated to ``from_day..to_day`` (both inclusive), art. 14.

    ``monthly_fees_by_month`` gives the full-month recurring fees due for a month (the caller decides
    which grid and options apply: the price in force each month). Each month's share is rounded to the
    cent before summing, as each month would have been invoiced on its own (§3). An empty period
    (``from_day > to_day``: the customer leaves at the end of the period) owes nothing.
    """
    if from_day > to_day:
        return Money.zero()
    shares: list[Money] = []
    month = Month.of(from_day)
    last = Month.of(to_day)
    while month <= last:
        days = service_days(month, from_day, to_day)
        if days:
            shares.append(prorate(monthly_fees_by_month(month), days, month.days))
        month = month.next()
    return money_sum(shares).to_cents()
