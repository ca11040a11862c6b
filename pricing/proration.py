"""Pro rata temporis arithmetic (BILLING_RULES §5.1-5.4, contract art. 10.2).

Every amount that depends on part of a month goes through here, so that the rounding rule
(half-up to the cent, §3) and the customer-favourable cap rounding (§5.4 Decision) live in one place.
Fractions are computed exactly (``fractions.Fraction``) and rounded once, never twice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from ledger.errors import InvalidInput
from ledger.money import Money
from ledger.months import Month

__all__ = ["month_cap", "overage_blocks", "prorate", "prorated_cap", "service_days"]


def service_days(month: Month, start: date, end: date | None) -> int:
    """Calendar days of ``month`` between ``start`` and ``end``, both inclusive (§5.1, art. 10.2).

    ``end`` is ``None`` for a service (or option) still running. An interval that does not touch the
    month, or an empty one (end before start), gives 0: the caller then bills nothing for it.
    """
    first = max(month.first_day, start)
    last = month.last_day if end is None else min(month.last_day, end)
    if last < first:
        return 0
    return (last - first).days + 1


def _check_fraction(days: int, days_in_month: int) -> None:
    if days_in_month <= 0:
        raise InvalidInput(f"days_in_month must be positive, got {days_in_month}", field="days_in_month")
    if not 0 <= days <= days_in_month:
        raise InvalidInput(f"days must be within 0..{days_in_month}, got {days}", field="days")


def _round_half_up_exact(value: Fraction) -> Decimal:
    """Round an exact fraction to the cent, half-up (away from zero), as Decimal ROUND_HALF_UP does (§3)."""
    hundredths = value * 100
    sign = -1 if hundredths < 0 else 1
    magnitude = abs(hundredths)
    cents = int(magnitude + Fraction(1, 2))  # floor(x + 1/2) on a non-negative exact value
    return (Decimal(sign * cents) / Decimal(100)).quantize(Decimal("0.01"))


def prorate(monthly: Money, days: int, days_in_month: int) -> Money:
    """``monthly × days / days_in_month``, rounded half-up to the cent (§5.1, §5.2, §3).

    A full month gives exactly the monthly fee (rounded to the cent): the customer who is served
    every day of the month pays the fee printed on the grid, never a rounding artefact of it.
    """
    _check_fraction(days, days_in_month)
    if days == days_in_month:
        return monthly.to_cents()
    exact = Fraction(monthly.amount) * days / days_in_month
    return Money(_round_half_up_exact(exact))


def prorated_cap(cap: int, days: int, days_in_month: int) -> int:
    """``ceil(cap × days / days_in_month)`` in exact integers (§5.4 Decision: customer's favour).

    Integer arithmetic on purpose: a float ceil could give one credit less (or more) than the
    contract's cap on a boundary, and that credit may be a whole overage block.
    """
    _check_fraction(days, days_in_month)
    if cap < 0:
        raise InvalidInput(f"cap must not be negative, got {cap}", field="cap")
    return -(-cap * days // days_in_month)


def month_cap(included_credits: int, month: Month, service_start: date, service_end: date | None) -> int:
    """The credits included in ``month`` for a service from ``service_start`` to ``service_end`` (§5.4).

    The plan's cap prorated to the service days of the month, rounded up (customer's favour); a month
    without a service day has a cap of 0. E.g. 10,000 credits, service from 10 Feb 2026 (19 of 28
    days): ceil(10,000 × 19 / 28) = ceil(6,785.7…) = 6,786.
    """
    return prorated_cap(included_credits, service_days(month, service_start, service_end), month.days)


def overage_blocks(excess: int, block: int) -> int:
    """Number of started overage blocks, ``ceil(excess / block)`` (§5.4, art. 10.1)."""
    if block <= 0:
        raise InvalidInput(f"overage block size must be positive, got {block}", field="block")
    if excess < 0:
        raise InvalidInput(f"excess must not be negative, got {excess}", field="excess")
    return -(-excess // block)
