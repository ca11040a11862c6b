"""Service-level incidents measured in business hours, and the penalties they propose (art. 12, 13;
BILLING_RULES §6).

- An interruption counts from its ticket time, or from the next business hour when notified outside
  business hours, until FLEXIO notifies the restoration; only once FLEXIO confirmed it (art. 12.4).
- A scheduled interruption is not counted up to 8 consecutive business hours; one over 24 hours is
  force majeure and bears no penalty (art. 12.8). The contract counts every duration of article 12
  in Heures Ouvrées, so the 24 hours are read as business hours too: read as elapsed hours, no
  scheduled interruption could ever exceed 8 business hours without also exceeding 24 hours, and
  the middle tier the article describes would be empty.
- Penalties are counted per calendar year, pro rata temporis in the first year (art. 13): the
  yearly maximum interruption (IMS) of the first year is prorated by the days of service in it.
- An order form's SLA terms: the restoration time (GTR, business hours per ticket), the IMS (business
  hours per calendar year) and a penalty HT per business hour beyond. A business hour beyond both the
  GTR of its ticket and the year's IMS is compensated once: the year's penalty hours are the larger
  of the two excesses. The amount is rounded half-up to the cent once per year; the §6 cap is
  applied by the ledger when finance grants the credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from cases.business_calendar import PARIS, business_hours_between, next_business_instant

__all__ = [
    "SCHEDULED_FORCE_MAJEURE_HOURS",
    "SCHEDULED_FREE_HOURS",
    "Measure",
    "SlaTerms",
    "Ticket",
    "YearPenalty",
    "measure",
    "year_penalty",
]

SCHEDULED_FREE_HOURS = Decimal(8)  # art. 12.8 "à hauteur de huit (8) heures ouvrées consécutives"
SCHEDULED_FORCE_MAJEURE_HOURS = Decimal(24)  # art. 12.8 "supérieures à vingt-quatre (24) heures"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SlaTerms:
    restoration_hours: Decimal  # GTR
    yearly_max_hours: Decimal  # IMS
    penalty_per_hour: Decimal  # HT


@dataclass(frozen=True)
class Ticket:
    reference: str
    notified_at: datetime
    confirmed: bool
    restored_at: datetime | None
    scheduled: bool = False


@dataclass(frozen=True)
class Measure:
    reference: str
    counted_from: datetime | None
    business_hours: Decimal  # the whole interruption, in business hours
    counted_hours: Decimal  # what counts toward GTR and IMS (after the scheduled allowance)
    hours_by_year: dict[int, Decimal]
    force_majeure: bool
    beyond_restoration: Decimal
    status: str  # "pending" (not confirmed or not restored), "counted", "force_majeure"


def measure(ticket: Ticket, terms: SlaTerms) -> Measure:
    if not ticket.confirmed or ticket.restored_at is None:
        return Measure(ticket.reference, None, Decimal(0), Decimal(0), {}, False, Decimal(0), "pending")
    start = next_business_instant(ticket.notified_at)
    end = ticket.restored_at
    total = business_hours_between(start, end)
    free = Decimal(0)
    if ticket.scheduled:
        if total > SCHEDULED_FORCE_MAJEURE_HOURS:
            return Measure(ticket.reference, start, total, Decimal(0), {}, True, Decimal(0), "force_majeure")
        free = min(total, SCHEDULED_FREE_HOURS)
    counted = total - free
    by_year: dict[int, Decimal] = {}
    left_free = free  # the allowance covers the first business hours of the interruption
    for year in range(start.astimezone(PARIS).year, end.astimezone(PARIS).year + 1):
        lo = max(start, datetime(year, 1, 1, tzinfo=PARIS))
        hi = min(end, datetime(year + 1, 1, 1, tzinfo=PARIS))
        hours = business_hours_between(lo, hi)
        used = min(hours, left_free)
        left_free -= used
        if hours - used > 0:
            by_year[year] = hours - used
    beyond = max(Decimal(0), counted - terms.restoration_hours)
    return Measure(ticket.reference, start, total, counted, by_year, False, beyond, "counted")


@dataclass(frozen=True)
class YearPenalty:
    year: int
    allowance_hours: Decimal  # the IMS of that year, prorated in the first year
    interruption_hours: Decimal
    ims_excess_hours: Decimal
    gtr_excess_hours: Decimal
    penalty_hours: Decimal
    amount: Decimal  # HT, rounded half-up to the cent
    incident_on: date | None  # restoration day of the last counted ticket of the year ("fait générateur")
    tickets: tuple[str, ...]


def _days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def year_penalty(terms: SlaTerms, tickets: list[Ticket], service_start: date, year: int) -> YearPenalty:
    """The proposed penalty of one calendar year (art. 13), from the measured tickets.

    Example: GTR 4 h, IMS 20 h, 50.00 per hour; service from 2026-07-01 (184 of 365 days in 2026:
    IMS 20 x 184/365 = 10.08 h); tickets of 6 h and 7 h: GTR excess 2 + 3 = 5 h, IMS excess
    13 - 10.08 = 2.92 h; 5 h x 50.00 = 250.00.
    """
    if year < service_start.year:
        allowance = Decimal(0)
        share = Decimal(0)
    elif year == service_start.year:
        days = (date(year + 1, 1, 1) - service_start).days
        share = Decimal(days) / Decimal(_days_in_year(year))
        allowance = terms.yearly_max_hours * share
    else:
        allowance = terms.yearly_max_hours
        share = Decimal(1)
    interruption = Decimal(0)
    gtr_excess = Decimal(0)
    last: date | None = None
    refs: list[str] = []
    for ticket in tickets:
        m = measure(ticket, terms)
        hours = m.hours_by_year.get(year, Decimal(0))
        restored_in_year = ticket.restored_at is not None and ticket.restored_at.astimezone(PARIS).year == year
        if hours > 0:
            interruption += hours
            refs.append(ticket.reference)
        if m.status == "counted" and restored_in_year and ticket.restored_at is not None:
            gtr_excess += m.beyond_restoration
            if m.counted_hours > 0:
                day = ticket.restored_at.astimezone(PARIS).date()
                last = day if last is None or day > last else last
    ims_excess = max(Decimal(0), interruption - allowance) if share > 0 else Decimal(0)
    penalty_hours = max(ims_excess, gtr_excess)
    amount = (penalty_hours * terms.penalty_per_hour).quantize(CENT, rounding=ROUND_HALF_UP)
    return YearPenalty(year, allowance, interruption, ims_excess, gtr_excess, penalty_hours, amount, last, tuple(refs))


