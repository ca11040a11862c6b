"""Contract periods and termination dates (art. 9.3, 14; BILLING_RULES §9)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import islice, pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.contract_terms import (
    TerminationOutcome,
    contract_periods,
    period_containing,
    termination_effective_end,
)
from ledger.errors import InvalidInput

START = date(2026, 2, 10)


def test_initial_term_is_three_calendar_months_then_renewals_of_three() -> None:
    assert list(islice(contract_periods(START), 3)) == [
        (date(2026, 2, 10), date(2026, 5, 9)),
        (date(2026, 5, 10), date(2026, 8, 9)),
        (date(2026, 8, 10), date(2026, 11, 9)),
    ]


def test_a_start_on_the_31st_does_not_drift() -> None:
    # Counted from the start each time: 31 Jan + 3 months = 30 Apr (clipped), + 6 months = 31 Jul.
    assert list(islice(contract_periods(date(2026, 1, 31)), 3)) == [
        (date(2026, 1, 31), date(2026, 4, 29)),
        (date(2026, 4, 30), date(2026, 7, 30)),
        (date(2026, 7, 31), date(2026, 10, 30)),
    ]


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    offset=st.integers(min_value=0, max_value=4000),
)
def test_periods_are_contiguous_and_one_contains_each_day(start: date, offset: int) -> None:
    day = start + timedelta(days=offset)
    period_start, period_end = period_containing(start, day)
    assert period_start <= day <= period_end
    periods = list(islice(contract_periods(start), offset // 89 + 2))
    assert (period_start, period_end) in periods
    for (_, end), (next_start, _) in pairwise(periods):
        assert next_start == end + timedelta(days=1)


def test_period_containing_refuses_a_day_before_service_start() -> None:
    with pytest.raises(InvalidInput):
        period_containing(START, date(2026, 2, 9))


def test_notice_one_month_before_the_period_end_ends_the_contract_then() -> None:
    # Period ends 2026-05-09; 2026-05-09 - 1 month = 2026-04-09: notice on that day is in time.
    outcome = termination_effective_end(START, date(2026, 4, 9), None)
    assert outcome == TerminationOutcome(
        effective_end=date(2026, 5, 9), normal_end=date(2026, 5, 9), early=False
    )
    assert outcome.indemnity_period is None


def test_a_late_notice_ends_the_contract_at_the_end_of_the_next_period() -> None:
    # 2026-04-10 is one day late: the contract runs through the next period, to 2026-08-09.
    outcome = termination_effective_end(START, date(2026, 4, 10), None)
    assert outcome == TerminationOutcome(
        effective_end=date(2026, 8, 9), normal_end=date(2026, 8, 9), early=False
    )


def test_notice_on_the_first_day_of_service() -> None:
    assert termination_effective_end(START, START, None).normal_end == date(2026, 5, 9)


def test_a_requested_end_before_the_normal_end_is_early() -> None:
    # API example: notice 2026-05-10 (in the second period, ending 2026-08-09; in time), leave 2026-05-31.
    outcome = termination_effective_end(START, date(2026, 5, 10), date(2026, 5, 31))
    assert outcome == TerminationOutcome(
        effective_end=date(2026, 5, 31), normal_end=date(2026, 8, 9), early=True
    )
    assert outcome.indemnity_period == (date(2026, 6, 1), date(2026, 8, 9))


def test_a_requested_end_equal_to_the_normal_end_is_not_early() -> None:
    outcome = termination_effective_end(START, date(2026, 4, 1), date(2026, 5, 9))
    assert outcome == TerminationOutcome(
        effective_end=date(2026, 5, 9), normal_end=date(2026, 5, 9), early=False
    )


def test_a_requested_end_after_the_normal_end_runs_to_the_end_of_its_period() -> None:
    # Normal end 2026-05-09; asked 2026-06-15, inside 2026-05-10..2026-08-09: ends 2026-08-09.
    outcome = termination_effective_end(START, date(2026, 4, 1), date(2026, 6, 15))
    assert outcome == TerminationOutcome(
        effective_end=date(2026, 8, 9), normal_end=date(2026, 5, 9), early=False
    )


def test_refuses_a_notice_before_service_start() -> None:
    with pytest.raises(InvalidInput) as caught:
        termination_effective_end(START, date(2026, 2, 9), None)
    assert caught.value.field == "notified_on"


@pytest.mark.parametrize("requested_end", [date(2026, 3, 31), date(2026, 2, 9)])
def test_refuses_a_requested_end_before_the_notice_or_the_start(requested_end: date) -> None:
    with pytest.raises(InvalidInput) as caught:
        termination_effective_end(START, date(2026, 4, 1), requested_end)
    assert caught.value.field == "requested_end"


@given(
    notice=st.integers(min_value=0, max_value=1500),
    requested=st.none() | st.integers(min_value=0, max_value=1500),
)
def test_termination_outcome_invariants(notice: int, requested: int | None) -> None:
    notified_on = START + timedelta(days=notice)
    requested_end = None if requested is None else notified_on + timedelta(days=requested)
    outcome = termination_effective_end(START, notified_on, requested_end)
    period_ends = {end for _, end in islice(contract_periods(START), 40)}
    assert outcome.normal_end in period_ends
    # At least a month's notice before the normal end, and never more than two periods away.
    assert notified_on <= outcome.normal_end - timedelta(days=28)
    assert outcome.normal_end - notified_on < timedelta(days=190)
    assert outcome.early == (outcome.effective_end < outcome.normal_end)
    if not outcome.early:
        assert outcome.effective_end in period_ends
