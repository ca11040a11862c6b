"""Retention and customer access to documents (BILLING_RULES §9, art. 10.2, art. 7.3). Pure.

- Invoices and credit notes stay downloadable by the customer for five years from their issue.
- After a termination, the customer's access closes on the last day of service (it is open that
  day, closed from the next).
- Personal data is erased from day 60 after the end (art. 7.3); accounting records (the invoices
  themselves) are kept for the legal ten years, so erasure never deletes a stored document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from ledger.months import Month

__all__ = ["ArchiveRange", "RangeRefused", "access_open", "archive_range", "erasure_date", "visible_since"]

RETENTION_YEARS = 5  # art. 10.2
ERASURE_DAYS = 60  # art. 7.3
ACCOUNTING_YEARS = 10  # Code de commerce L123-22


def visible_since(today: date) -> date:
    """The oldest issue date a customer may still download: exactly five years back, inclusive."""
    return today - relativedelta(years=RETENTION_YEARS)


def access_open(today: date, service_end: date | None) -> bool:
    """§9: after a termination, customer access closes on the last day of service."""
    return service_end is None or today <= service_end


def erasure_date(service_end: date) -> date:
    """Art. 7.3: personal data is erased from day 60 after the end of service."""
    return service_end + timedelta(days=ERASURE_DAYS)


class RangeRefused(ValueError):
    """An archive range that is reversed or wider than the five-year window (API.md: 422)."""


@dataclass(frozen=True)
class ArchiveRange:
    first: date
    last: date


def archive_range(from_month: Month, to_month: Month) -> ArchiveRange:
    """The issue dates covered by ``from``..``to`` (months of issue, both included)."""
    if to_month < from_month:
        raise RangeRefused(f"'to' ({to_month}) is before 'from' ({from_month})")
    months = to_month.index() - from_month.index() + 1
    if months > RETENTION_YEARS * 12:
        raise RangeRefused(f"the range covers {months} months: at most {RETENTION_YEARS * 12} (five years)")
    return ArchiveRange(from_month.first_day, to_month.last_day)
