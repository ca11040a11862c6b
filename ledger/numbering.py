"""Gapless invoice and credit-note numbering (BILLING_RULES §7).

French invoicing rules want one continuous series a year, in issue order, with no gap and no
reuse. Numbers are therefore allocated by one aggregate, :class:`InvoiceNumbering`, saved in the
same transaction as the invoices that carry them: a crash either keeps both or neither.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict
from ledger.namespaces import LEDGER_NAMESPACE as _NS

INVOICE_SERIES = "invoice"
CREDIT_NOTE_SERIES = "credit_note"


class InvoiceNumbering(Aggregate):
    """The single source of invoice and credit-note numbers (§7: no gap, no reuse, issue order)."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(_NS, "invoice-numbering")

    @event("Opened")
    def __init__(self) -> None:
        self.counters: dict[str, int] = {}
        self.last_issue_date: dict[str, date] = {}

    def last_issued_on(self, series: str) -> date | None:
        return self.last_issue_date.get(series)

    def check_issue_date(self, series: str, issue_date: date) -> None:
        """Numbers follow issue order: an issue date before the last one would break the order."""
        last = self.last_issued_on(series)
        if last is not None and issue_date < last:
            raise Conflict(
                f"issue date {issue_date} is before the last issued {series.replace('_', ' ')} ({last})",
                field="issue_date",
            )

    def allocate(self, series: str, issue_date: date, count: int) -> int:
        """Reserve ``count`` consecutive numbers of the issue year; returns the first sequence number."""
        self.check_issue_date(series, issue_date)
        key = f"{series}:{issue_date.year}"
        first = self.counters.get(key, 0) + 1
        self._allocated(series=series, year=issue_date.year, first=first, count=count, issue_date=issue_date)
        return first

    @event("NumbersAllocated")
    def _allocated(self, series: str, year: int, first: int, count: int, issue_date: date) -> None:
        self.counters[f"{series}:{year}"] = first + count - 1
        self.last_issue_date[series] = issue_date
