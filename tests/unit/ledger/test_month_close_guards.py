"""§7 guards on starting a month close, as pure functions of the facts (ledger/month_close.py)."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import Conflict
from ledger.month_close import check_close_order, check_issue_date, check_same_issue_date
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
