"""Closing a month: preview, request, the resumable close job, and the month's state (API.md "Months").

The close is split in chunks. Each chunk numbers its invoices and issues them in ONE transaction
(numbering aggregate + month-close aggregate + the invoices), so a worker killed at any point
leaves whole chunks or nothing, and the next run carries on where the ledger says it stopped:
numbers 1..N with no gap and no duplicate (§7).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, date
from decimal import Decimal
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from billing.commands.closing import CloseMonth, parse_month
from billing.documents.identity import seller_from_settings
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate
from billing.services.catalogue import CatalogueService
from billing.services.ports import JobSender, ReadModels
from billing.settings import Settings
from invoices.document import Buyer, issued_document
from invoices.draft import InvoiceDraft
from invoices.rating import rate_account_month
from ledger.account import CustomerAccount
from ledger.clock import Clock
from ledger.errors import BillingError, Conflict, NotFound, Unavailable
from ledger.grid import PriceGrid
from ledger.input_checks import require_date
from ledger.invoice import Invoice
from ledger.money import Money
from ledger.month_close import (
    CloseOrder,
    CloseOutcome,
    CloseStatus,
    ContractFact,
    MonthClose,
    Rating,
    accounts_in_service,
    check_complete,
    preview_issue_date,
    request_issue_date_errors,
)
from ledger.months import Month
from ledger.numbering import INVOICE_SERIES, InvoiceNumbering
from pricing.account_month import AccountMonth

CHUNK = 500
# Issue 17: the close job waits this long between syncs of a view that is not current (about a
# minute in all), then gives up for now: the month stays ``closing`` and the job is retried.
SYNC_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
# The account events that decide whether the ledger has an account in service in a month (§5, §9).
_CONTRACT_EVENTS = ("ContractSigned", "ContractWithdrawn", "TerminationNotified")
log = logging.getLogger(__name__)


# The read models hold amounts as NUMERIC(14, 2): an invoice beyond this could be stored in the
# ledger but never projected (issue 9: nothing unprojectable is stored). Inputs are bounded to
# 10^9 EUR each, but a grid's block price times a month's usage can still add up past it.
MAX_INVOICE_AMOUNT = Decimal(10) ** 11


def check_storable(draft: InvoiceDraft) -> None:
    amounts = [draft.total_ht.amount, draft.total_vat.amount, draft.total_ttc.amount,
               *(line.amount.amount for line in draft.lines)]
    if any(abs(amount) >= MAX_INVOICE_AMOUNT for amount in amounts):
        raise Conflict(
            f"the invoice of {draft.account} for {draft.month} would hold an amount beyond"
            f" {MAX_INVOICE_AMOUNT:,} EUR; check the grid and the usage before closing",
            field="month",
        )


def _instant(value: Any) -> str | None:
    """An instant of the read models as ISO 8601 with its offset (SQLite hands back naive UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.isoformat())


class ClosingQueries(Protocol):
    """The read-model queries of the close (``billing/persistence/queries/closing.py``)."""

    def account_months(
        self, month: Month, issue_date: date, grid_of: Callable[[Month], PriceGrid]
    ) -> list[AccountMonth]:
        """Every billable account's input for the month, catch-up of closed months included (§7, §7b)."""

    def billable_accounts(self, month: Month) -> set[str]: ...

    def buyers(self, accounts: Iterable[str]) -> dict[str, Buyer]:
        """Each account's identity now, frozen into its invoice at issue (issue 11)."""

    def first_service_start(self) -> date | None: ...

    def issued_totals(self, month: str) -> tuple[int, Decimal, Decimal]:
        """The count, total HT and total TTC of the invoices issued for the month so far."""

    def latest_month_started_after(self, month: Month) -> str | None:
        """The latest month after ``month`` whose close has started, if any (§7 order)."""

    def month_row(self, month: str) -> Any | None:
        """The ``months`` row (a mapping) of the month, ``None`` before its close starts."""

    def closing_months(self) -> list[str]:
        """The months whose close is ``closing`` (the watchdog's candidates)."""


class ClosingService:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        queries: ClosingQueries,
        read_models: ReadModels,
        catalogue: CatalogueService,
        clock: Clock,
        jobs: JobSender,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.catalogue = catalogue
        self.clock = clock
        self.jobs = jobs
        self.sleep: Callable[[float], None] = time.sleep  # the close job's wait for a current view

    # -- rating ----------------------------------------------------------------------------------

    def _grid_of(self, month: Month) -> PriceGrid:
        return self.catalogue.in_force(month.first_day)  # §4: the grid in force on the 1st prices M

    def _vat_rate(self, issue_date: date) -> Decimal:
        return self.catalogue.vat_rate_on(issue_date)  # §4: the rate in force on the issue date

    def _inputs(self, month: Month, issue_date: date) -> list[AccountMonth]:
        """The month's inputs with the catch-up of closed months (§7, §7b)."""
        return self.queries.account_months(month, issue_date, self._grid_of)

    def _rate_one(
        self, account_month: AccountMonth, grid: PriceGrid | None, issue_date: date, vat_rate: Decimal
    ) -> InvoiceDraft | None:
        if grid is None:
            raise NotFound(f"no price grid is in force on {account_month.month.first_day.isoformat()}")
        return rate_account_month(account_month, grid, issue_date, vat_rate)

    def _rate(
        self, inputs: list[AccountMonth], month: Month, issue_date: date
    ) -> tuple[list[InvoiceDraft], list[dict[str, str]]]:
        """Rate every account; §7: an account that cannot be rated is listed with the reason, never crashes."""
        grid = self._grid_or_none(month)
        drafts: list[InvoiceDraft] = []
        errors: list[dict[str, str]] = []
        try:
            vat_rate = self._vat_rate(issue_date)
        except NotFound as exc:  # no VAT rate in force on the issue date: no account can be rated
            return [], [{"account": i.account, "reason": exc.message} for i in inputs]
        for account_month in inputs:
            try:
                draft = self._rate_one(account_month, grid, issue_date, vat_rate)
            except BillingError as exc:
                errors.append({"account": account_month.account, "reason": exc.message})
                continue
            if draft is not None:
                check_storable(draft)
                drafts.append(draft)
        return drafts, errors

    def _grid_or_none(self, month: Month) -> PriceGrid | None:
        try:
            return self._grid_of(month)
        except NotFound:
            return None

    def preview_with_errors(self, command: CloseMonth) -> dict[str, Any]:
        """What closing the month would issue now, and every account it cannot rate and why (§7)."""
        month = command.month
        existing: MonthClose | None = find_aggregate(self.ledger, MonthClose.create_id(str(month)))
        asked = None if command.issue_date is None else require_date(command.issue_date, "issue_date")
        issue_date = preview_issue_date(existing, asked, self.clock)
        self.read_models.sync()
        inputs = self._inputs(month, issue_date)
        drafts, errors = self._rate(inputs, month, issue_date)
        date_errors = [{"account": None, "field": exc.field, "reason": exc.message}
                       for exc in request_issue_date_errors(month, existing, issue_date, clock=self.clock, facts=self)]
        return {"month": str(month), "invoices": [d.to_dict() for d in drafts], "errors": date_errors + errors}

    def preview(self, command: CloseMonth) -> list[dict[str, Any]]:
        """What closing the month would issue now; issues nothing."""
        invoices: list[dict[str, Any]] = self.preview_with_errors(command)["invoices"]
        return invoices

    # -- requesting a close ----------------------------------------------------------------------

    def request_close(self, command: CloseMonth) -> dict[str, Any]:
        """Start (or resume) the close of a month; closing a closed month issues nothing (§7).

        Load the month's close, let it decide (``MonthClose.request``), save it, send its job.
        """
        month = command.month
        existing = find_aggregate(self.ledger, MonthClose.create_id(str(month)))
        asked = None if command.issue_date is None else require_date(command.issue_date, "issue_date")
        close, outcome = MonthClose.request(month, existing, asked=asked, clock=self.clock, facts=self)
        if outcome.saves:
            outcome = self._save_request(close, outcome, asked)
        if outcome is CloseOutcome.CLOSED:
            return {"month": str(month), "status": "closed", "job": None}
        job = self.jobs.send_close(str(month))
        if job is None:
            self.run_close(str(month))  # no broker: the job runs here
        self.read_models.refresh()
        # API.md: the answer is "closing" or "closed". A job that already failed (the in-process
        # worker may run it before this line) shows as "failed" on GET /v1/admin/months/{month}.
        closed = self.month_state(str(month))["status"] == "closed"
        return {"month": str(month), "status": "closed" if closed else "closing", "job": job}

    def _save_request(self, close: MonthClose, outcome: CloseOutcome, asked: date | None) -> CloseOutcome:
        """Save a started or resumed close; another request may have got there first (a version clash)."""
        try:
            self.ledger.save(close)
        except IntegrityError:
            if outcome is CloseOutcome.STARTED:  # lost the race: the close the other request started
                winner: MonthClose | None = find_aggregate(self.ledger, MonthClose.create_id(str(close.month)))
                if winner is not None:
                    return winner.request_again(asked)
        return outcome  # resumed by another request meanwhile: its job is sent all the same

    # -- the facts of a close request (``ledger.month_close.CloseFacts``) ------------------------

    def close_order(self, month: Month) -> CloseOrder:
        """The facts of the §7 order rule (ledger/month_close.py ``check_close_order``)."""
        later = self.queries.latest_month_started_after(month)
        previous = find_aggregate(self.ledger, MonthClose.create_id(str(month.previous())))
        return CloseOrder(
            later_started=later,
            first_billing_month=self.first_billing_month(),
            previous_status=None if previous is None else previous.status,
        )

    def last_issued(self) -> date | None:
        """The issue date of the last number of the ordinary series (a close's or a late-payment invoice's)."""
        numbering = find_aggregate(self.ledger, InvoiceNumbering.create_id())
        return None if numbering is None else numbering.last_issued_on(INVOICE_SERIES)

    def rating(self, month: Month, issue_date: date, issued: Collection[str]) -> Rating:
        """Rate, from current views, the month's accounts not in ``issued`` (§7: errors refuse the close)."""
        self.read_models.sync()
        inputs = self._inputs(month, issue_date)
        _drafts, errors = self._rate([i for i in inputs if i.account not in issued], month, issue_date)
        return Rating(billable=len(inputs), errors=errors)

    def first_billing_month(self) -> Month | None:
        first = self.queries.first_service_start()
        return None if first is None else Month.of(first)

    # -- the job ---------------------------------------------------------------------------------

    def run_close(self, month_text: str, on_chunk: Callable[[int], None] | None = None) -> int:
        """Run the close job; §7: a job that fails half way marks the month ``failed`` with the reason.

        What it issued stays issued (each chunk is whole); closing the month again resumes it.
        """
        try:
            return self._run_close(month_text, on_chunk)
        except Unavailable:
            # Issue 17: the read models stayed behind through the whole backoff. Nothing was rated
            # from them; the month stays ``closing`` and the job is retried (or the watchdog resends it).
            log.warning("close of %s waits for current read models; it stays closing and is retried", month_text)
            raise
        except Exception as exc:  # any failure must leave the month failed, never closing
            reason = exc.message if isinstance(exc, BillingError) else f"{type(exc).__name__}: {exc}"
            log.exception("close of %s failed", month_text)
            self._mark_failed(parse_month(month_text), reason)
            return 0

    def _mark_failed(self, month: Month, reason: str) -> None:
        for _attempt in range(5):
            close: MonthClose | None = find_aggregate(self.ledger, MonthClose.create_id(str(month)))
            if close is None or close.status != CloseStatus.CLOSING:
                return
            close.fail(reason)
            try:
                self.ledger.save(close)
            except IntegrityError:
                continue
            with contextlib.suppress(Unavailable):  # recorded; the view shows it when it catches up
                self.read_models.sync()
            return

    def _run_close(self, month_text: str, on_chunk: Callable[[int], None] | None = None) -> int:
        """Issue every missing invoice of a started close, chunk by chunk; finish it. Idempotent.

        The inputs are read once; each chunk is saved with the numbering and month-close
        aggregates in one transaction. If another runner got there first (a version clash), the
        loop reloads the ledger's state and carries on with what is still missing.
        """
        month = parse_month(month_text)
        issued_now = 0
        while True:
            close: MonthClose | None = find_aggregate(self.ledger, MonthClose.create_id(str(month)))
            if close is None:
                raise NotFound(f"month {month} has no close in progress")
            if close.status == CloseStatus.CLOSED:
                self.jobs.send_render()  # issue 11: the documents of the issued invoices
                return issued_now
            if close.status != CloseStatus.CLOSING:
                return issued_now  # closed, or failed (only a new close request resumes it)
            issue_date = close.issue_date
            # Project up to now: the close's start, the usage cut-off (§7), is behind us. Issue 17:
            # the chunks below rate these inputs, loaded from a view that is current (or nothing is
            # rated); a sync before each chunk would change nothing they rate and cost a projection
            # step per chunk (about 0.7 s of CPU in a 10,000-account close).
            self._sync_current()
            inputs = self._inputs(month, issue_date)
            pending = [i for i in inputs if i.account not in close.issued]
            if not pending:
                self._finish(close)
                continue
            grid = self._grid_of(month)
            vat_rate = self._vat_rate(issue_date)
            numbering = find_aggregate(self.ledger, InvoiceNumbering.create_id()) or InvoiceNumbering()
            try:
                for start in range(0, len(pending), CHUNK):
                    chunk = pending[start : start + CHUNK]
                    drafts = [
                        draft
                        for draft in (self._rate_one(i, grid, issue_date, vat_rate) for i in chunk)
                        if draft is not None
                    ]
                    for draft in drafts:
                        check_storable(draft)  # never store an invoice the read models cannot hold
                    issued_now += self._issue_chunk(close, numbering, drafts, [i.account for i in chunk])
                    if on_chunk is not None:
                        on_chunk(issued_now)
            except IntegrityError:
                continue  # another runner issued a chunk first: reload and go on
            # Every account loaded above is issued. Finish unless an account became billable
            # meanwhile (a contract signed during the close): then the loop loads it and goes on.
            self._sync_current()
            accounts = self.queries.billable_accounts(month)
            if close.settles(accounts):
                missing = self._missing_from_ledger(close)
                if missing:
                    # A contract signed since the last sync shows here first: project it and go on.
                    self._sync_current()
                    if not close.settles(self.queries.billable_accounts(month)):
                        continue
                    check_complete(close.month, missing)  # raises: the close fails naming them
                self._finish(close)

    def _sync_current(self) -> None:
        """Sync the read models, waiting with a bounded backoff while they are not current (issue 17).

        Raises :class:`Unavailable` when they stay behind: the caller rates nothing from them.
        """
        for delay in (*SYNC_BACKOFF, None):
            try:
                self.read_models.sync()
                return
            except Unavailable as exc:
                if delay is None:
                    raise
                log.info("read models not current (%s); the close waits %.1f s", exc.message, delay)
                self.sleep(delay)

    def _missing_from_ledger(self, close: MonthClose) -> list[str]:
        """§7, issue 17: before the month is marked closed, every account the LEDGER has in service
        that month (its contract events, read in one query, not the read models) must be invoiced or
        excluded by this close; the others, by account id, which fail the close, never close it."""
        types = [vars(CustomerAccount)[name] for name in _CONTRACT_EVENTS]
        settled = {CustomerAccount.create_id(account) for account in close.issued}
        # Invoiced or excluded accounts cannot make a difference: only the others' events are read.
        unsettled = sorted(self.ledger.originators_of_types(*types) - settled)
        facts: list[ContractFact] = []
        for stored in self.ledger.stored_events_of_types(unsettled, *types):
            e = self.ledger.decode(stored)
            kind = type(e).__name__
            if kind == "ContractSigned":
                facts.append(ContractFact(e.originator_id, "signed", service_start=e.service_start, freemium=e.freemium))
            elif kind == "ContractWithdrawn":
                facts.append(ContractFact(e.originator_id, "withdrawn"))
            else:
                facts.append(ContractFact(e.originator_id, "terminated", effective_end=e.effective_end))
        in_service = accounts_in_service(facts, close.month)
        return sorted(
            account.account if account is not None else str(account_id)
            for account_id in in_service - settled
            for account in [find_aggregate(self.ledger, account_id)]
        )

    def _issue_chunk(
        self, close: MonthClose, numbering: InvoiceNumbering, drafts: list[InvoiceDraft], accounts: list[str]
    ) -> int:
        """Number and issue one chunk: numbering, month close and invoices saved in ONE transaction (§7)."""
        first = numbering.allocate(INVOICE_SERIES, close.issue_date, len(drafts)) if drafts else 0
        seller = seller_from_settings(self.settings)
        buyers = self.queries.buyers([d.account for d in drafts])
        invoices: list[Invoice] = []
        entries: list[list[str]] = []
        by_account = {d.account: d for d in drafts}
        seq = first
        for account in accounts:
            draft = by_account.get(account)
            if draft is None:
                entries.append([account, ""])  # nothing to bill this month (no service day)
                continue
            number = self.settings.invoice_number_format.format(year=close.issue_date.year, seq=seq)
            seq += 1
            # Issue 11: seller and buyer frozen into the document as they are at issue.
            document = issued_document(number, draft.to_dict(), seller, buyers[account])
            invoices.append(Invoice(number=number, account=account, month=str(close.month), document=document))
            entries.append([account, number])
        close.record_issued(entries, at=self.clock.now())
        self.ledger.save(numbering, close, *invoices)
        return len(invoices)

    def _finish(self, close: MonthClose) -> None:
        self._sync_current()  # the month's totals from a current view only (issue 17)
        count, ht, ttc = self.queries.issued_totals(str(close.month))
        close.finish(count, Money(ht), Money(ttc))
        try:
            self.ledger.save(close)
        except IntegrityError:
            return
        self.read_models.sync()

    # -- reading ---------------------------------------------------------------------------------

    def current_month_state(self, month_text: str) -> dict[str, Any]:
        """The month's state with every fact recorded so far projected (read-your-writes)."""
        self.read_models.refresh()
        return self.month_state(month_text)

    def month_state(self, month_text: str) -> dict[str, Any]:
        month = parse_month(month_text)
        row = self.queries.month_row(str(month))
        if row is None:
            return {"month": str(month), "status": "open", "invoices": 0, "total_ht": "0.00", "total_ttc": "0.00"}
        state = {
            "month": str(month),
            "status": row["status"],
            "invoices": row["invoices"],
            "total_ht": f"{Decimal(row['total_ht']):.2f}",
            "total_ttc": f"{Decimal(row['total_ttc']):.2f}",
            "issue_date": row["issue_date"].isoformat() if row["issue_date"] else None,
            "billable_accounts": row["billable"],
        }
        if row["status"] == "failed":
            state["error"] = row["error"]  # §7: why the close job stopped; closing again resumes it
        if row["status"] in ("closing", "failed"):
            _count, ht, ttc = self.queries.issued_totals(str(month))
            state["total_ht"], state["total_ttc"] = f"{ht:.2f}", f"{ttc:.2f}"
            # Issue 17: how far the job got (invoices issued of the accounts billable at its start)
            # and when it last stored a chunk; the watchdog resumes a close that stops moving.
            state["progress"] = {"invoiced": row["invoices"], "accounts": row["billable"]}
        state["last_chunk_at"] = _instant(row.get("last_chunk_at"))
        return state

    # -- the watchdog ----------------------------------------------------------------------------

    def resume_stalled(self) -> list[str]:
        """Issue 17: send again the job of every ``closing`` month with no progress for
        ``BILLING_CLOSE_STALL_SECONDS`` (a worker killed, a broker restarted empty).

        The resend is recorded on the month's close first (``Rescheduled``): of several watchdogs
        (one per worker process) only the one whose save wins sends it, and the next resend waits
        for another stall. A duplicate job is harmless anyway: chunks are whole and numbering gapless.
        """
        now = self.clock.now()
        resumed: list[str] = []
        for month in self.queries.closing_months():
            close: MonthClose | None = find_aggregate(self.ledger, MonthClose.create_id(month))
            if close is None or not close.is_stalled(now, self.settings.close_stall_seconds):
                continue
            close.reschedule(now)
            try:
                self.ledger.save(close)
            except IntegrityError:
                continue  # the job stored a chunk meanwhile, or another watchdog got there first
            log.warning("close of %s made no progress since %s: its job is sent again", month,
                        close.last_chunk_at or "its start")
            if self.jobs.send_close(month) is None:
                self.run_close(month)
            resumed.append(month)
        return resumed
