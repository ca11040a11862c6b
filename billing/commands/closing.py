"""Closing a month (API.md "Months", BILLING_RULES §7), run by ``ClosingService``."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import InvalidInput
from ledger.months import Month


def parse_month(text: str) -> Month:
    """A ``YYYY-MM`` from a path, a query or the CLI; 422 naming ``month`` otherwise."""
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="month") from None


@dataclass(frozen=True)
class CloseMonth:
    """Close a month, or preview its close, with invoices issued on ``issue_date`` (None: today).

    ``issue_date`` stays the text the request gave: the service reads it (422) once it has loaded
    the month's close, and ``MonthClose.request`` applies it where §7 needs it (a new close starts
    on it; a started, failed or closed month only compares it with the one it kept, issue 9).
    """

    month: Month
    issue_date: str | None = None

    @classmethod
    def from_request(cls, month: str, issue_date: str | None = None) -> CloseMonth:
        return cls(parse_month(month), issue_date)
