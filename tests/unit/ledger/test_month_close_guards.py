"""§7 guards on starting a month close, as pure functions of the facts (ledger/month_close.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from ledger.errors import Conflict
from ledger.money import Money
from ledger.month_close import (
    ContractFact,
    MonthClose,
    accounts_in_service,
    check_close_order,
    check_complete,
    check_issue_date,
    check_issue_order,
    check_same_issue_date,
    check_start_issue_date,
    issue_date_errors,
)
from ledger.months import Month

MARCH = Month(2025, 3)  # 2025-03-01 .. 2025-03-31


def test_a_month_is_closed_the_day_after_it_ends_with_that_day_as_issue_date() -> None:
    # Last day 2025-03-31; today 2025-04-01 > 31 March; issue date 2025-04-01 is after it and not in the future.
    check_issue_date(MARCH, date(2025, 4, 1), today=date(2025, 4, 1))


def test_a_month_that_has_not_ended_cannot_be_closed() -> None:
    # Today 2025-03-31 is the month's last day: 31 March <= 31 March, the month has not ended.
    with pytest.raises(Conflict) as raised:
        check_issue_date(MARCH, date(2025, 4, 1), today=date(2025, 3, 31))
    assert (raised.value.message, raised.value.field) == ("month 2025-03 has not ended", "month")


def test_the_issue_date_must_be_after_the_month() -> None:
    # Issue date 2025-03-31 is the month's last day, not after it (today 2025-04-02 is fine).
    with pytest.raises(Conflict) as raised:
        check_issue_date(MARCH, date(2025, 3, 31), today=date(2025, 4, 2))
    assert raised.value.message == "issue date 2025-03-31 is not after the end of 2025-03"
    assert raised.value.field == "issue_date"


def test_the_issue_date_cannot_be_in_the_future() -> None:
    # Today 2025-04-02; issue date 2025-04-03 is one day ahead.
    with pytest.raises(Conflict) as raised:
        check_issue_date(MARCH, date(2025, 4, 3), today=date(2025, 4, 2))
    assert (raised.value.message, raised.value.field) == ("issue date 2025-04-03 is in the future", "issue_date")


def test_a_month_is_not_closed_once_a_later_month_started_closing() -> None:
    # April (2025-04) already started closing: March's late facts are catch-up lines of the first open month.
    with pytest.raises(Conflict) as raised:
        check_close_order(MARCH, later_started="2025-04", first_billing_month=Month(2025, 1), previous_status="closed")
    assert raised.value.message == (
        "a later month (2025-04) has already started closing: what 2025-03 bills now comes as"
        " catch-up lines on the first open month (§7b)"
    )
    assert raised.value.field == "month"


def test_the_previous_month_must_be_closed_first() -> None:
    # First service start in 2025-01, so February (2025-02) comes before March and is only "closing".
    for status in ("closing", "failed", None):
        with pytest.raises(Conflict) as raised:
            check_close_order(MARCH, later_started=None, first_billing_month=Month(2025, 1), previous_status=status)
        assert (raised.value.message, raised.value.field) == ("month 2025-02 must be closed before 2025-03", "month")


def test_the_previous_month_closed_lets_the_month_close() -> None:
    check_close_order(MARCH, later_started=None, first_billing_month=Month(2025, 1), previous_status="closed")


def test_the_first_billing_month_needs_no_earlier_close() -> None:
    # First service start in March itself (or later, or no account at all): nothing before it to close.
    for first in (MARCH, Month(2025, 4), None):
        check_close_order(MARCH, later_started=None, first_billing_month=first, previous_status=None)


def test_a_close_asked_again_keeps_its_issue_date() -> None:
    check_same_issue_date(MARCH, kept=date(2025, 4, 1), asked=date(2025, 4, 1))
    with pytest.raises(Conflict) as raised:
        check_same_issue_date(MARCH, kept=date(2025, 4, 1), asked=date(2025, 4, 2))
    assert raised.value.message == "month 2025-03 was closed with issue date 2025-04-01, not 2025-04-02"
    assert raised.value.field == "issue_date"


# -- issue 18: the preview lists what the close would refuse, from the same guards ---------------


def test_issue_date_errors_lists_every_reason_in_the_order_the_close_checks_them() -> None:
    march = Month(2026, 3)
    assert issue_date_errors(march, date(2026, 4, 2), today=date(2026, 4, 3), last_issued=date(2026, 4, 2)) == []
    errors = issue_date_errors(march, date(2026, 3, 31), today=date(2026, 4, 3), last_issued=date(2026, 4, 2))
    assert [(e.field, e.message) for e in errors] == [
        ("issue_date", "issue date 2026-03-31 is not after the end of 2026-03"),
        ("issue_date", "issue date 2026-03-31 is before the last issued invoice (2026-04-02)"),
    ]
    with pytest.raises(Conflict) as raised:  # the close raises the first of them
        check_start_issue_date(march, date(2026, 3, 31), today=date(2026, 4, 3), last_issued=date(2026, 4, 2))
    assert raised.value.message == errors[0].message


def test_an_issue_date_before_a_late_payment_invoice_is_refused() -> None:
    check_issue_order(date(2026, 4, 2), None)  # nothing issued yet
    check_issue_order(date(2026, 4, 2), date(2026, 4, 2))  # the same day is fine
    with pytest.raises(Conflict) as raised:
        check_issue_order(date(2026, 4, 1), date(2026, 4, 2))
    assert raised.value.field == "issue_date"


# -- issue 17: the ledger's accounts in service, and a close that stalls --------------------------


def test_accounts_in_service_follow_the_ledger_order_of_contract_facts() -> None:
    a, b, c, d, e, f = (uuid4() for _ in range(6))
    facts = [
        ContractFact(a, "signed", service_start=date(2026, 2, 10)),  # starts in February
        ContractFact(b, "signed", service_start=date(2026, 2, 1), freemium=True),  # never invoiced
        ContractFact(c, "signed", service_start=date(2026, 3, 1)),  # starts after February
        ContractFact(d, "signed", service_start=date(2026, 1, 1)),
        ContractFact(d, "terminated", effective_end=date(2026, 1, 31)),  # ended before February
        ContractFact(e, "signed", service_start=date(2026, 1, 1)),
        ContractFact(e, "terminated", effective_end=date(2026, 2, 1)),  # one day of February
        ContractFact(f, "signed", service_start=date(2026, 1, 1)),
        ContractFact(f, "withdrawn"),  # signed by mistake
    ]
    assert accounts_in_service(facts, Month(2026, 2)) == {a, e}
    assert accounts_in_service([*facts, ContractFact(f, "signed", service_start=date(2026, 2, 3))],
                               Month(2026, 2)) == {a, e, f}  # signed again with the right terms


def test_a_close_missing_accounts_is_refused_naming_them() -> None:
    check_complete(Month(2026, 2), [])
    with pytest.raises(Conflict) as raised:
        check_complete(Month(2026, 2), ["ghost"])
    assert "ghost" in raised.value.message and raised.value.details == ["ghost"]
    many = [f"acct{i:03d}" for i in range(120)]
    with pytest.raises(Conflict) as raised:
        check_complete(Month(2026, 2), many)
    assert "acct049 and 70 more" in raised.value.message  # 120 named as 50 and 70 more: bounded


def test_a_close_is_stalled_after_the_stall_time_without_progress() -> None:
    started = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    close = MonthClose(month=Month(2026, 2), issue_date=date(2026, 3, 2), billable=2, started_at=started)
    assert not close.is_stalled(started + timedelta(seconds=299), 300)
    assert close.is_stalled(started + timedelta(seconds=300), 300)
    close.record_issued([["alpha", "FX-2026-000001"]], at=started + timedelta(seconds=250))
    assert not close.is_stalled(started + timedelta(seconds=549), 300)  # 299 s after the chunk
    close.reschedule(started + timedelta(seconds=600))
    assert not close.is_stalled(started + timedelta(seconds=899), 300)  # a resend counts as progress
    close.finish(1, Money.zero(), Money.zero())
    assert not close.is_stalled(started + timedelta(days=9), 300)  # closed: never stalled
