"""Contract periods and termination dates (art. 9.3 and 14; BILLING_RULES §9). Pure functions.

The contract runs for an initial term of three calendar months from service start and renews
tacitly by three-month periods. A termination notice received at least one month before the end of
the current period ends the contract at the end of that period; a later notice, at the end of the next
one. A customer who asks to leave earlier may, but owes the fees for the rest of that period (art. 14).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from ledger.errors import InvalidInput

PERIOD_MONTHS = 3  # art. 9.3: "trois (3) mois calendaires consécutifs", initial term and renewals
NOTICE = relativedelta(months=1)  # art. 9.3, 14: "un (1) mois avant la fin de chaque période"


def _period(service_start: date, index: int) -> tuple[date, date]:
    """Period ``index`` (0 = initial term), counted from service start rather than chained.

    Counting each boundary from the start keeps a 31st-of-month start from drifting: a chain of
    ``+3 months`` would turn 31 January into 30 April and then 30 July for good.
    """
    start = service_start + relativedelta(months=PERIOD_MONTHS * index)
    next_start = service_start + relativedelta(months=PERIOD_MONTHS * (index + 1))
    return start, next_start - timedelta(days=1)


def contract_periods(service_start: date) -> Iterator[tuple[date, date]]:
    """The contract periods (start, end), both inclusive, from the initial term on; endless.

    Start 2026-02-10 gives 2026-02-10..2026-05-09, then 2026-05-10..2026-08-09, and so on.
    """
    index = 0
    while True:
        yield _period(service_start, index)
        index += 1


def period_containing(service_start: date, day: date) -> tuple[date, date]:
    """The contract period (start, end) that contains ``day``."""
    if day < service_start:
        raise InvalidInput("the day is before service start", field="day")
    months = (day.year - service_start.year) * 12 + day.month - service_start.month
    index = max(0, months // PERIOD_MONTHS - 1)  # a lower bound: periods are at least 89 days long
    while True:
        start, end = _period(service_start, index)
        if start <= day <= end:
            return start, end
        index += 1


@dataclass(frozen=True, slots=True)
class TerminationOutcome:
    """When a terminated contract ends.

    ``normal_end`` is the end the notice earns under art. 9.3/14; ``effective_end`` the last day of
    service. ``early`` means the customer leaves before ``normal_end`` and owes the monthly fees for
    ``effective_end + 1 .. normal_end`` (art. 14, BILLING_RULES §5.7).
    """

    effective_end: date
    normal_end: date
    early: bool

    @property
    def indemnity_period(self) -> tuple[date, date] | None:
        """The days whose fees the early-termination indemnity covers, both inclusive."""
        if not self.early:
            return None
        return self.effective_end + timedelta(days=1), self.normal_end


def termination_effective_end(
    service_start: date, notified_on: date, requested_end: date | None
) -> TerminationOutcome:
    """Apply art. 9.3 and 14 to a termination notice received on ``notified_on``.

    - normal end: the end of the current period if the notice arrives at least one month before it
      (``notified_on <= end - 1 month``), else the end of the next period;
    - no requested end: the contract ends at the normal end;
    - a requested end before the normal end: service stops then, and the termination is early;
    - a requested end after it: the contract runs to the end of the first period ending on or after
      the requested day (periods are indivisible; leaving mid-period is early termination).
    """
    if notified_on < service_start:
        raise InvalidInput("a termination cannot be notified before service start", field="notified_on")
    if requested_end is not None and (requested_end < notified_on or requested_end < service_start):
        raise InvalidInput(
            "the requested end cannot be before the notice or before service start", field="requested_end"
        )
    _, end = period_containing(service_start, notified_on)
    if notified_on <= end - NOTICE:
        normal_end = end
    else:
        _, normal_end = period_containing(service_start, end + timedelta(days=1))
    if requested_end is None or requested_end == normal_end:
        return TerminationOutcome(effective_end=normal_end, normal_end=normal_end, early=False)
    if requested_end < normal_end:
        return TerminationOutcome(effective_end=requested_end, normal_end=normal_end, early=True)
    _, later_end = period_containing(service_start, requested_end)
    return TerminationOutcome(effective_end=later_end, normal_end=normal_end, early=False)
