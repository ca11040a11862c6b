"""The close of a month as a state machine (BILLING_RULES §7, ledger/month_close.py), pure: no database.

``MonthClose.request`` takes the facts the service gathers through ``CloseFacts``; these tests hand
it a fake that records which facts were asked, so each refusal also shows what it never read.
February 2026 runs 2026-02-01 .. 2026-02-28; the clock stands at 2026-03-02 12:00 in Paris.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

import pytest

from ledger.clock import PARIS, FixedClock
from ledger.errors import Conflict
from ledger.money import Money
from ledger.month_close import (
    CloseOrder,
    CloseOutcome,
    CloseStatus,
    MonthClose,
    Rating,
    preview_issue_date,
    request_issue_date_errors,
)
from ledger.months import Month

FEB = Month(2026, 2)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)
TODAY = date(2026, 3, 2)
IN_ORDER = CloseOrder(later_started=None, first_billing_month=Month(2026, 1), previous_status="closed")


class FakeFacts:
    """The facts of a close request, as given; ``asked`` records each one the aggregate read."""

    def __init__(
        self,
        order: CloseOrder = IN_ORDER,
        last_issued: date | None = None,
        billable: int = 3,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        self.order, self.last, self.billable, self.errors = order, last_issued, billable, errors or []
        self.asked: list[str] = []
        self.rated: list[tuple[date, set[str]]] = []

    def close_order(self, month: Month) -> CloseOrder:
        self.asked.append("order")
        return self.order

    def last_issued(self) -> date | None:
        self.asked.append("last_issued")
        return self.last

    def rating(self, month: Month, issue_date: date, issued: Collection[str]) -> Rating:
        self.asked.append("rating")
        self.rated.append((issue_date, set(issued)))
        return Rating(billable=self.billable, errors=self.errors)


def clock() -> FixedClock:
    return FixedClock(NOW)


def started(issue_date: date = TODAY) -> MonthClose:
    """A close of February started on ``issue_date``, its Started event already saved."""
    close, _outcome = MonthClose.request(FEB, None, asked=issue_date, clock=clock(), facts=FakeFacts())
    close.collect_events()
    return close


def event_names(close: MonthClose) -> list[str]:
    return [type(e).__name__ for e in close.collect_events()]


# -- requested: a month with no close starts one ----------------------------------------------------


def test_a_request_starts_the_close_with_the_issue_date_asked() -> None:
    """§7: a month is closed by finance once it has ended, with an issue date after it and not in
    the future; every fact is read in the order §7 checks them, and the close starts ``closing``."""
    facts = FakeFacts(last_issued=date(2026, 2, 2), billable=3)
    close, outcome = MonthClose.request(FEB, None, asked=TODAY, clock=clock(), facts=facts)
    assert outcome is CloseOutcome.STARTED and outcome.saves
    assert close.id == MonthClose.create_id("2026-02")
    assert (close.status, close.issue_date, close.billable, close.issued) == (CloseStatus.CLOSING, TODAY, 3, {})
    assert close.last_progress_at == NOW  # the stall watch starts at the start
    assert facts.asked == ["order", "last_issued", "rating"]
    assert facts.rated == [(TODAY, set())]  # nothing issued yet: every account is rated
    assert event_names(close) == ["Started"]


def test_a_request_without_issue_date_starts_on_today() -> None:
    """§7: the issue date defaults to today (Paris), 2026-03-02 here, after 2026-02-28."""
    close, _outcome = MonthClose.request(FEB, None, asked=None, clock=clock(), facts=FakeFacts())
    assert close.issue_date == TODAY


@pytest.mark.parametrize(
    ("today", "asked", "field", "message"),
    [
        # Today 2026-02-28 is February's last day: the month has not ended.
        (date(2026, 2, 28), date(2026, 3, 1), "month", "month 2026-02 has not ended"),
        # 2026-02-28 is not after 2026-02-28.
        (TODAY, date(2026, 2, 28), "issue_date", "issue date 2026-02-28 is not after the end of 2026-02"),
        # 2026-03-03 is after today 2026-03-02.
        (TODAY, date(2026, 3, 3), "issue_date", "issue date 2026-03-03 is in the future"),
    ],
)
def test_a_start_is_refused_on_an_issue_date_section_7_forbids(today: date, asked: date, field: str, message: str) -> None:
    """§7: the issue date must be after M's last day and not in the future, and M must have ended;
    refused before any fact is read (no view, no numbering)."""
    facts = FakeFacts()
    with pytest.raises(Conflict) as raised:
        MonthClose.request(FEB, None, asked=asked, clock=FixedClock(datetime.combine(today, NOW.timetz())), facts=facts)
    assert (raised.value.field, raised.value.message) == (field, message)
    assert facts.asked == []


def test_a_start_is_refused_while_the_previous_month_is_not_closed() -> None:
    """§7: closing M needs every earlier month since the first service start to be closed."""
    facts = FakeFacts(order=CloseOrder(later_started=None, first_billing_month=Month(2026, 1), previous_status="failed"))
    with pytest.raises(Conflict, match="month 2026-01 must be closed before 2026-02"):
        MonthClose.request(FEB, None, asked=TODAY, clock=clock(), facts=facts)
    assert facts.asked == ["order"]  # neither the numbering nor the views are read


def test_a_start_is_refused_once_a_later_month_started_closing() -> None:
    """§7b: what an earlier month bills once a later one started closing comes as catch-up lines."""
    facts = FakeFacts(order=CloseOrder(later_started="2026-03", first_billing_month=None, previous_status=None))
    with pytest.raises(Conflict, match=r"a later month \(2026-03\) has already started closing"):
        MonthClose.request(FEB, None, asked=TODAY, clock=clock(), facts=facts)


def test_a_start_is_refused_on_an_issue_date_before_the_last_issued_invoice() -> None:
    """§7: numbers follow issue order; a late-payment invoice issued on 2026-03-02 (§8) forbids 2026-03-01."""
    facts = FakeFacts(last_issued=date(2026, 3, 2))
    with pytest.raises(Conflict) as raised:
        MonthClose.request(FEB, None, asked=date(2026, 3, 1), clock=clock(), facts=facts)
    assert raised.value.field == "issue_date"
    assert raised.value.message == "issue date 2026-03-01 is before the last issued invoice (2026-03-02)"
    assert facts.asked == ["order", "last_issued"]  # refused before rating


def test_a_start_is_refused_when_accounts_cannot_be_rated() -> None:
    """§7: a close whose preview has errors is refused (409 listing them); nothing is written."""
    errors = [{"account": "alpha", "reason": "plan gold is not in the grid"}]
    facts = FakeFacts(errors=errors)
    with pytest.raises(Conflict) as raised:
        MonthClose.request(FEB, None, asked=TODAY, clock=clock(), facts=facts)
    assert raised.value.message == "month 2026-02 cannot be closed: 1 accounts cannot be rated"
    assert (raised.value.field, raised.value.details) == ("month", errors)


# -- closing, with its progress: asked again ---------------------------------------------------------


def test_a_closing_month_records_its_progress_chunk_by_chunk() -> None:
    """§7: each chunk notes the invoices it issued; an account is invoiced once per month."""
    close = started()
    at = NOW + timedelta(minutes=1)
    close.record_issued([["alpha", "FX-2026-000001"], ["beta", ""]], at=at)  # beta: no service day
    assert close.issued == {"alpha": "FX-2026-000001", "beta": ""}
    assert (close.last_progress_at, close.last_chunk_at) == (at, at)
    assert close.settles({"alpha", "beta"}) and not close.settles({"alpha", "gamma"})
    assert event_names(close) == ["InvoicesIssued"]
    with pytest.raises(Conflict, match="account alpha already has an invoice for 2026-02"):
        close.record_issued([["alpha", "FX-2026-000002"]])


def test_a_closing_month_asked_again_sends_its_job_again_and_rates_nothing() -> None:
    """§7: closing is idempotent; a close under way carries on where it stands (its job sent again)."""
    close = started()
    facts = FakeFacts()
    same, outcome = MonthClose.request(FEB, close, asked=TODAY, clock=clock(), facts=facts)
    assert same is close and outcome is CloseOutcome.UNDER_WAY and not outcome.saves
    assert (facts.asked, event_names(close)) == ([], [])
    assert MonthClose.request(FEB, close, asked=None, clock=clock(), facts=facts)[1] is CloseOutcome.UNDER_WAY


def test_a_started_month_asked_with_another_issue_date_is_refused() -> None:
    """Issue 9: a close asked again must not silently keep the first date (409 on ``issue_date``)."""
    close = started()
    with pytest.raises(Conflict) as raised:
        MonthClose.request(FEB, close, asked=date(2026, 3, 1), clock=clock(), facts=FakeFacts())
    assert raised.value.field == "issue_date"
    assert raised.value.message == "month 2026-02 was closed with issue date 2026-03-02, not 2026-03-01"


# -- failed with a reason, resumed ------------------------------------------------------------------


def test_a_job_that_fails_half_way_marks_the_close_failed_with_the_reason() -> None:
    """§7: a close job that fails half way keeps what it issued and marks the month failed with the reason."""
    close = started()
    close.record_issued([["alpha", "FX-2026-000001"]])
    close.fail("x" * 2500)
    assert close.status == CloseStatus.FAILED and close.error == "x" * 2000  # the reason, bounded
    assert close.issued == {"alpha": "FX-2026-000001"}
    close.fail("again")  # only a closing close fails: a second failure records nothing
    assert close.error == "x" * 2000 and event_names(close) == ["InvoicesIssued", "Failed"]
    assert not close.is_stalled(NOW + timedelta(days=1), 300)  # a failed close waits for finance
    with pytest.raises(Conflict, match="month 2026-02 is already closed"):
        close.record_issued([["beta", "FX-2026-000002"]])  # a failed close issues nothing until resumed


def test_closing_a_failed_month_again_resumes_it_on_its_own_issue_date() -> None:
    """§7: closing the month again resumes it, numbering still gapless: only the accounts not yet
    invoiced are rated, on the issue date the close started with, and the order is not asked again."""
    close = started()
    close.record_issued([["alpha", "FX-2026-000001"]])
    close.fail("worker killed")
    close.collect_events()
    later = FixedClock(NOW + timedelta(hours=2))
    facts = FakeFacts()
    same, outcome = MonthClose.request(FEB, close, asked=None, clock=later, facts=facts)
    assert same is close and outcome is CloseOutcome.RESUMED and outcome.saves
    assert (close.status, close.error, close.last_progress_at) == (CloseStatus.CLOSING, None, later.now())
    assert facts.asked == ["rating"] and facts.rated == [(TODAY, {"alpha"})]
    assert event_names(close) == ["Resumed"]


def test_a_failed_month_asked_with_another_issue_date_is_refused_before_anything_is_rated() -> None:
    """§7 and issue 9: a failed month resumes on the issue date it kept; another one is a 409,
    answered before the views are read and before it is resumed."""
    close = started()
    close.fail("worker killed")
    close.collect_events()
    facts = FakeFacts()
    with pytest.raises(Conflict, match="was closed with issue date 2026-03-02, not 2026-03-03"):
        MonthClose.request(FEB, close, asked=date(2026, 3, 3), clock=clock(), facts=facts)
    assert (facts.asked, close.status, event_names(close)) == ([], CloseStatus.FAILED, [])


def test_a_failed_month_whose_accounts_cannot_be_rated_stays_failed() -> None:
    """§7: a close whose preview has errors is refused, resumed ones too: it stays failed with its reason."""
    close = started()
    close.fail("worker killed")
    close.collect_events()
    with pytest.raises(Conflict, match="1 accounts cannot be rated"):
        MonthClose.request(FEB, close, asked=TODAY, clock=clock(),
                           facts=FakeFacts(errors=[{"account": "beta", "reason": "no grid"}]))
    assert (close.status, close.error, event_names(close)) == (CloseStatus.FAILED, "worker killed", [])


# -- closed -----------------------------------------------------------------------------------------


def test_a_closed_month_asked_again_issues_nothing() -> None:
    """§7: closing a closed month issues nothing new; only its issue date is compared (issue 9)."""
    close = started()
    close.record_issued([["alpha", "FX-2026-000001"]])
    # 1 invoice, 500.00 HT and 600.00 TTC at 20 % VAT: the totals are kept to the cent.
    close.finish(1, Money("500.00"), Money("600.00"))
    assert (close.status, close.total_ht, close.total_ttc) == (CloseStatus.CLOSED, Money("500.00"), Money("600.00"))
    close.finish(2, Money("1.00"), Money("1.20"))  # finished once: a second finish records nothing
    assert event_names(close) == ["InvoicesIssued", "Closed"]
    facts = FakeFacts()
    assert MonthClose.request(FEB, close, asked=TODAY, clock=clock(), facts=facts) == (close, CloseOutcome.CLOSED)
    assert facts.asked == [] and event_names(close) == []
    with pytest.raises(Conflict, match="not 2026-03-03"):
        MonthClose.request(FEB, close, asked=date(2026, 3, 3), clock=clock(), facts=facts)
    with pytest.raises(Conflict, match="month 2026-02 is already closed"):
        close.record_issued([["beta", "FX-2026-000002"]])
    close.fail("late")  # a closed month never fails, nor resumes
    close.resume(at=NOW)
    assert close.status == CloseStatus.CLOSED and event_names(close) == []


def test_a_started_close_that_lost_the_race_is_asked_again_like_any_started_one() -> None:
    """§7, issue 9: the close another request started first answers as a started close does."""
    winner = started()
    assert winner.request_again(None) is CloseOutcome.UNDER_WAY
    with pytest.raises(Conflict, match="not 2026-03-03"):
        winner.request_again(date(2026, 3, 3))


# -- the issue-date rules the preview lists (issue 18) ---------------------------------------------


def test_the_preview_rates_a_started_month_on_its_own_issue_date() -> None:
    """§7: a started month keeps its issue date; otherwise the one asked, or today."""
    close = started(date(2026, 3, 1))
    assert preview_issue_date(close, None, clock()) == date(2026, 3, 1)
    assert preview_issue_date(close, date(2026, 3, 2), clock()) == date(2026, 3, 2)  # listed as an error below
    assert preview_issue_date(None, None, clock()) == TODAY
    assert preview_issue_date(None, date(2026, 3, 1), clock()) == date(2026, 3, 1)


def test_the_preview_lists_what_the_request_would_refuse_about_the_issue_date() -> None:
    """Issue 18: the same §7 guards as the close, all listed; a started month only compares its date."""
    # 2026-02-27 is not after 2026-02-28, and before the last issued invoice of 2026-03-01: both listed.
    facts = FakeFacts(last_issued=date(2026, 3, 1))
    errors = request_issue_date_errors(FEB, None, date(2026, 2, 27), clock=clock(), facts=facts)
    assert [e.message for e in errors] == [
        "issue date 2026-02-27 is not after the end of 2026-02",
        "issue date 2026-02-27 is before the last issued invoice (2026-03-01)",
    ]
    close = started()
    facts = FakeFacts(last_issued=date(2026, 3, 5))
    assert request_issue_date_errors(FEB, close, TODAY, clock=clock(), facts=facts) == []
    assert facts.asked == []  # a started month never reads the numbering
    [error] = request_issue_date_errors(FEB, close, date(2026, 3, 1), clock=clock(), facts=facts)
    assert error.message == "month 2026-02 was closed with issue date 2026-03-02, not 2026-03-01"
