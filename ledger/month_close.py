"""The close of one billing month (BILLING_RULES §7) as a state machine: requested, closing chunk by chunk,
failed with a reason and resumed, closed; its issue-date rules, its order and its completeness check."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.clock import Clock, today
from ledger.errors import Conflict
from ledger.money import Money
from ledger.months import Month
from ledger.namespaces import LEDGER_NAMESPACE as _NS


class CloseStatus(StrEnum):
    """Where a month's close stands (BILLING_RULES §7, API.md ``GET /v1/admin/months/{YYYY-MM}``):
    ``open`` while no close has started (the API's answer, never a ``MonthClose`` state), ``closing``
    while its job issues invoices, ``failed`` with the reason (closing again resumes it), ``closed``."""

    OPEN = "open"
    CLOSING = "closing"
    FAILED = "failed"
    CLOSED = "closed"


# -- §7 guards on starting a close ---------------------------------------------------------------
# Pure functions of the facts the service gathers (today, the later month already closing, the
# first billing month, the previous month's close): the rules live here, the lookups in the service.


def check_issue_date(month: Month, issue_date: date, today: date) -> None:
    """§7: a month is closed once it has ended, with an issue date after it and not in the future."""
    if today <= month.last_day:
        raise Conflict(f"month {month} has not ended", field="month")
    if issue_date <= month.last_day:
        raise Conflict(f"issue date {issue_date} is not after the end of {month}", field="issue_date")
    if issue_date > today:
        raise Conflict(f"issue date {issue_date} is in the future", field="issue_date")


def check_issue_order(issue_date: date, last_issued: date | None) -> None:
    """§7: numbers follow issue order, so an issue date before the last issued invoice is refused.

    ``last_issued`` is the date of the last number of the ordinary series, whichever document took
    it (a month's invoices or a late-payment invoice issued since, §8).
    """
    if last_issued is not None and issue_date < last_issued:
        raise Conflict(f"issue date {issue_date} is before the last issued invoice ({last_issued})", field="issue_date")


def issue_date_errors(month: Month, issue_date: date, *, today: date, last_issued: date | None) -> list[Conflict]:
    """Every §7 reason the close would refuse to start on ``issue_date``, in the order it checks them.

    The close raises the first (:func:`check_start_issue_date`); the preview lists them all, so
    finance sees before asking what the close would answer (issue 18).
    """
    errors: list[Conflict] = []
    for check in (lambda: check_issue_date(month, issue_date, today), lambda: check_issue_order(issue_date, last_issued)):
        try:
            check()
        except Conflict as exc:
            errors.append(exc)
    return errors


def check_start_issue_date(month: Month, issue_date: date, *, today: date, last_issued: date | None) -> None:
    """§7: the issue date a new close starts with; raises the first of :func:`issue_date_errors`."""
    errors = issue_date_errors(month, issue_date, today=today, last_issued=last_issued)
    if errors:
        raise errors[0]


def check_close_order(
    month: Month, *, later_started: str | None, first_billing_month: Month | None, previous_status: str | None
) -> None:
    """§7: closing M needs every earlier month since the first service start to be closed.

    And no later month may have started closing: a month before it (a contract recorded late
    with an earlier service start) is billed as catch-up (§7b), never by a close of its own.
    ``previous_status`` is the status of the close of the month before ``month`` (None: never started).
    """
    if later_started is not None:
        raise Conflict(
            f"a later month ({later_started}) has already started closing: what {month} bills now comes as"
            " catch-up lines on the first open month (§7b)",
            field="month",
        )
    if first_billing_month is None or month <= first_billing_month:
        return
    if previous_status != CloseStatus.CLOSED:
        raise Conflict(f"month {month.previous()} must be closed before {month}", field="month")


def check_same_issue_date(month: Month, kept: date, asked: date) -> None:
    """A close asked again must not silently keep the first date (issue 9)."""
    if asked != kept:
        raise Conflict(
            f"month {month} was closed with issue date {kept.isoformat()}, not {asked.isoformat()}",
            field="issue_date",
        )


def check_rated(month: Month, errors: list[dict[str, str]]) -> None:
    """§7: a close whose preview has errors is refused, listing them; nothing is written."""
    if errors:
        raise Conflict(f"month {month} cannot be closed: {len(errors)} accounts cannot be rated", field="month",
                       details=errors)


# -- §7 a close request: what the aggregate asks of the service --------------------------------------


class CloseOutcome(StrEnum):
    """What a request to close a month did (§7, :meth:`MonthClose.request`): ``started`` a new close,
    ``resumed`` a failed one, found one ``under_way`` (its job is sent again) or the month ``closed``
    (nothing is issued and no job is sent: closing is idempotent)."""

    STARTED = "started"
    RESUMED = "resumed"
    UNDER_WAY = "under_way"
    CLOSED = "closed"

    @property
    def saves(self) -> bool:
        """Whether the request recorded an event on the close, for the service to save."""
        return self in (CloseOutcome.STARTED, CloseOutcome.RESUMED)


@dataclass(frozen=True)
class CloseOrder:
    """The facts of the §7 order rule (:func:`check_close_order`): the latest later month whose close
    has started, the month of the first service start, the status of the previous month's close."""

    later_started: str | None
    first_billing_month: Month | None
    previous_status: str | None


@dataclass(frozen=True)
class Rating:
    """What rating the month found: its billable accounts (``billable``, the close's progress
    denominator) and every account still to invoice that cannot be rated, with the reason (§7)."""

    billable: int
    errors: list[dict[str, str]]


class CloseFacts(Protocol):
    """What a close request needs beyond the close itself, gathered by the service (its queries).

    The aggregate asks for each fact only when a rule needs it, in the order §7 checks them: a
    refused issue date reads no view, a closed or closing month is never rated.
    """

    def close_order(self, month: Month) -> CloseOrder:
        """The facts of the order rule, for a month whose close has not started."""
        ...

    def last_issued(self) -> date | None:
        """The issue date of the last number of the ordinary series (a close's or a late-payment invoice's)."""
        ...

    def rating(self, month: Month, issue_date: date, issued: Collection[str]) -> Rating:
        """Rate the month's accounts not in ``issued`` on ``issue_date``, with the catch-up (§7, §7b)."""
        ...


def preview_issue_date(existing: MonthClose | None, asked: date | None, clock: Clock) -> date:
    """The issue date a preview rates with: a started month keeps its own, as the close does; else
    the one asked, or today (§7)."""
    if existing is not None and asked is None:
        return existing.issue_date
    return today(clock) if asked is None else asked


def request_issue_date_errors(
    month: Month, existing: MonthClose | None, issue_date: date, *, clock: Clock, facts: CloseFacts
) -> list[Conflict]:
    """Issue 18: what a close request would refuse about ``issue_date``, from the same §7 guards.

    A month whose close has started keeps its own date: another one is refused (issue 9).
    """
    if existing is not None:
        try:
            check_same_issue_date(month, kept=existing.issue_date, asked=issue_date)
        except Conflict as exc:
            return [exc]
        return []
    return issue_date_errors(month, issue_date, today=today(clock), last_issued=facts.last_issued())


# -- §7 completeness: every account the ledger has in service is settled by the close --------------


@dataclass(frozen=True)
class ContractFact:
    """One contract fact of an account as the ledger stored it: ``signed`` (with its service start
    and whether it is freemium), ``withdrawn`` (issue 9) or ``terminated`` (its effective end, §9)."""

    account_id: UUID
    kind: str
    service_start: date | None = None
    freemium: bool = False
    effective_end: date | None = None


def accounts_in_service(facts: Iterable[ContractFact], month: Month) -> set[UUID]:
    """The accounts with a paid contract in service on at least one day of ``month`` (§5, §9).

    ``facts`` are in ledger order. A freemium contract is never invoiced, so it is not counted; an
    account terminated before the month starts, or whose contract was withdrawn, is not either.
    """
    contracts: dict[UUID, tuple[date, bool]] = {}
    ends: dict[UUID, date] = {}
    for fact in facts:
        if fact.kind == "signed" and fact.service_start is not None:
            contracts[fact.account_id] = (fact.service_start, fact.freemium)
        elif fact.kind == "withdrawn":
            contracts.pop(fact.account_id, None)
            ends.pop(fact.account_id, None)
        elif fact.kind == "terminated" and fact.effective_end is not None:
            ends[fact.account_id] = fact.effective_end
    return {
        account
        for account, (start, freemium) in contracts.items()
        if not freemium and start <= month.last_day and (account not in ends or ends[account] >= month.first_day)
    }


def check_complete(month: Month, missing: list[str]) -> None:
    """§7: a month is closed only when every account the ledger has in service that month is
    invoiced or excluded (no service day); ``missing`` are those the close has not settled.

    They are usually accounts the read models missed (stored, not projected): closing would leave
    them unbilled, so the close fails naming them instead, and resumes once they are projected.
    """
    if missing:
        shown = ", ".join(missing[:50]) + (f" and {len(missing) - 50} more" if len(missing) > 50 else "")
        raise Conflict(
            f"month {month} cannot be closed: the ledger has {len(missing)} account(s) in service that the close"
            f" did not invoice or exclude (not in the read models?): {shown}",
            field="month",
            details=missing,
        )


class MonthClose(Aggregate):
    """The close of one billing month: started with its issue date, filled chunk by chunk, closed.

    The notification position of ``Started`` is the usage cut-off: usage recorded after it for
    this month or an earlier one is late usage, booked in the first open month (§7).
    """

    @staticmethod
    def create_id(month: Month | str) -> UUID:
        """The id follows from the month ("2025-03"), so a month has one close."""
        return uuid5(_NS, f"month-close:{month}")

    @classmethod
    def request(
        cls, month: Month, existing: MonthClose | None, *, asked: date | None, clock: Clock, facts: CloseFacts
    ) -> tuple[MonthClose, CloseOutcome]:
        """§7: finance asks to close ``month`` (on ``asked``, None: today); the close decides.

        A month whose close has not started starts one, once the issue date, the order of closes
        and the rating allow it; a failed close resumes on the issue date it kept; a close under
        way or closed is asked again (:meth:`request_again`). Refusals raise :class:`Conflict`
        before anything is recorded; what is recorded is for the service to save.
        """
        if existing is None:
            return cls._start(month, asked, clock=clock, facts=facts), CloseOutcome.STARTED
        if existing.status != CloseStatus.FAILED:
            return existing, existing.request_again(asked)
        # §7: a failed month resumes with the issue date it started with; asked with another, 409
        # before anything is resumed (issue 9's rule held for closing and closed months only).
        if asked is not None:
            check_same_issue_date(month, kept=existing.issue_date, asked=asked)
        check_rated(month, facts.rating(month, existing.issue_date, existing.issued.keys()).errors)
        existing.resume(at=clock.now())  # §7: closing a failed month again resumes it
        return existing, CloseOutcome.RESUMED

    @classmethod
    def _start(cls, month: Month, asked: date | None, *, clock: Clock, facts: CloseFacts) -> MonthClose:
        """§7: a new close, refused unless the issue date, the order of closes and the rating allow it."""
        now = today(clock)
        issue_date = now if asked is None else asked
        check_issue_date(month, issue_date, today=now)
        order = facts.close_order(month)
        check_close_order(month, later_started=order.later_started, first_billing_month=order.first_billing_month,
                          previous_status=order.previous_status)
        check_issue_order(issue_date, facts.last_issued())  # the guard the preview lists (issue 18)
        rating = facts.rating(month, issue_date, ())
        check_rated(month, rating.errors)
        return cls(month=month, issue_date=issue_date, billable=rating.billable, started_at=clock.now())

    def request_again(self, asked: date | None) -> CloseOutcome:
        """A close already started, asked again: never with another issue date (issue 9); a closed
        month issues nothing (§7, idempotent); otherwise its job is sent again (it carries on)."""
        if asked is not None:
            check_same_issue_date(self.month, kept=self.issue_date, asked=asked)
        return CloseOutcome.CLOSED if self.status == CloseStatus.CLOSED else CloseOutcome.UNDER_WAY

    def settles(self, accounts: Iterable[str]) -> bool:
        """Whether every one of ``accounts`` has been invoiced or excluded by this close."""
        return set(accounts) <= self.issued.keys()

    @event("Started")
    def __init__(self, month: Month, issue_date: date, billable: int, started_at: datetime | None = None) -> None:
        self.month = month
        self.issue_date = issue_date
        self.billable = billable
        self.issued: dict[str, str] = {}  # account -> invoice number
        self.status = CloseStatus.CLOSING
        self.total_ht = Money.zero()
        self.total_ttc = Money.zero()
        self.error: str | None = None
        # The last sign of life of the close job (started, a chunk, resumed, rescheduled), from the
        # injected clock: the watchdog resumes a close whose job has made no progress for too long.
        self.last_progress_at = started_at
        self.last_chunk_at: datetime | None = None

    def record_issued(self, entries: list[list[str]], at: datetime | None = None) -> None:
        """Note invoices issued in one chunk, as [account, number] pairs, at ``at``."""
        if self.status != CloseStatus.CLOSING:
            raise Conflict(f"month {self.month} is already closed")
        for account, _number in entries:
            if account in self.issued:
                raise Conflict(f"account {account} already has an invoice for {self.month}")
        self._issued(entries=entries, at=at)

    @event("InvoicesIssued")
    def _issued(self, entries: list[list[str]], at: datetime | None) -> None:
        for account, number in entries:
            self.issued[account] = number
        if at is not None:
            self.last_progress_at = self.last_chunk_at = at

    def is_stalled(self, now: datetime, stall_seconds: float) -> bool:
        """A close still ``closing`` with no progress for ``stall_seconds``: its job was lost (§7)."""
        if self.status != CloseStatus.CLOSING:
            return False
        last = getattr(self, "last_progress_at", None)
        return last is None or (now - last).total_seconds() >= stall_seconds

    def reschedule(self, at: datetime) -> None:
        """The watchdog sends the job again; recorded so that one watchdog of many sends it."""
        if self.status == CloseStatus.CLOSING:
            self._rescheduled(at=at)

    @event("Rescheduled")
    def _rescheduled(self, at: datetime) -> None:
        self.last_progress_at = at

    def fail(self, reason: str) -> None:
        """§7: a job that fails half way keeps what it issued and says why; closing again resumes."""
        if self.status != CloseStatus.CLOSING:
            return
        self._failed(reason=reason[:2000])

    @event("Failed")
    def _failed(self, reason: str) -> None:
        self.status = CloseStatus.FAILED
        self.error = reason

    def resume(self, at: datetime | None = None) -> None:
        """§7: closing a failed month again carries on where it stopped, numbering still gapless."""
        if self.status != CloseStatus.FAILED:
            return
        self._resumed(at=at)

    @event("Resumed")
    def _resumed(self, at: datetime | None = None) -> None:
        self.status = CloseStatus.CLOSING
        self.error = None
        self.last_progress_at = at

    def finish(self, invoices: int, total_ht: Money, total_ttc: Money) -> None:
        """The month is closed with what it issued (totals to the cent, as the month's read model shows)."""
        if self.status == CloseStatus.CLOSED:
            return
        self._closed(invoices=invoices, total_ht=total_ht.to_cents(), total_ttc=total_ttc.to_cents())

    @event("Closed")
    def _closed(self, invoices: int, total_ht: Money, total_ttc: Money) -> None:
        self.status = CloseStatus.CLOSED
        self.total_ht = total_ht
        self.total_ttc = total_ttc
