"""The close of one billing month (BILLING_RULES §7): started with its issue date, filled, closed."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict
from ledger.months import Month
from ledger.namespaces import LEDGER_NAMESPACE as _NS


class MonthClose(Aggregate):
    """The close of one billing month: started with its issue date, filled chunk by chunk, closed.

    The notification position of ``Started`` is the usage cut-off: usage recorded after it for
    this month or an earlier one is late usage, booked in the first open month (§7).
    """

    @staticmethod
    def create_id(month: str) -> UUID:
        return uuid5(_NS, f"month-close:{month}")

    @event("Started")
    def __init__(self, month: str, issue_date: str, billable: int) -> None:
        self.month = month
        self.issue_date = issue_date
        self.billable = billable
        self.issued: dict[str, str] = {}  # account -> invoice number
        self.status = "closing"
        self.total_ht = "0.00"
        self.total_ttc = "0.00"
        self.error: str | None = None

    @property
    def issue_day(self) -> date:
        return date.fromisoformat(self.issue_date)

    @property
    def billing_month(self) -> Month:
        return Month.parse(self.month)

    def record_issued(self, entries: list[list[str]]) -> None:
        """Note invoices issued in one chunk, as [account, number] pairs."""
        if self.status != "closing":
            raise Conflict(f"month {self.month} is already closed")
        for account, _number in entries:
            if account in self.issued:
                raise Conflict(f"account {account} already has an invoice for {self.month}")
        self._issued(entries=entries)

    @event("InvoicesIssued")
    def _issued(self, entries: list[list[str]]) -> None:
        for account, number in entries:
            self.issued[account] = number

    def fail(self, reason: str) -> None:
        """§7: a job that fails half way keeps what it issued and says why; closing again resumes."""
        if self.status != "closing":
            return
        self._failed(reason=reason[:2000])

    @event("Failed")
    def _failed(self, reason: str) -> None:
        self.status = "failed"
        self.error = reason

    def resume(self) -> None:
        """§7: closing a failed month again carries on where it stopped, numbering still gapless."""
        if self.status != "failed":
            return
        self._resumed()

    @event("Resumed")
    def _resumed(self) -> None:
        self.status = "closing"
        self.error = None

    def finish(self, invoices: int, total_ht: str, total_ttc: str) -> None:
        if self.status == "closed":
            return
        self._closed(invoices=invoices, total_ht=total_ht, total_ttc=total_ttc)

    @event("Closed")
    def _closed(self, invoices: int, total_ht: str, total_ttc: str) -> None:
        self.status = "closed"
        self.total_ht = total_ht
        self.total_ttc = total_ttc
