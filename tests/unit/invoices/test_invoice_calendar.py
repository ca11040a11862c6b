"""Due dates, dispute window and SEPA collection days (BILLING_RULES §8, art. 10.2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoices.payment_dates import collection_date, dispute_deadline, due_date, is_target2_business_day


def test_due_date_and_dispute_deadline_count_from_the_issue_date() -> None:
    assert due_date(date(2026, 3, 2)) == date(2026, 4, 1)  # + 30 days
    assert dispute_deadline(date(2026, 3, 2)) == date(2026, 3, 22)  # + 20 days
    assert due_date(date(2028, 2, 1)) == date(2028, 3, 2)  # leap year: 1 Feb + 30 = 2 Mar


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        pytest.param(date(2026, 4, 1), True, id="ordinary-wednesday"),
        pytest.param(date(2026, 4, 4), False, id="saturday"),
        pytest.param(date(2026, 4, 5), False, id="sunday"),
        pytest.param(date(2026, 1, 1), False, id="new-year"),
        pytest.param(date(2026, 4, 3), False, id="good-friday-2026"),  # Easter 2026 = 5 April
        pytest.param(date(2026, 4, 6), False, id="easter-monday-2026"),
        pytest.param(date(2026, 5, 1), False, id="labour-day"),
        pytest.param(date(2026, 12, 25), False, id="christmas"),
        pytest.param(date(2025, 12, 26), False, id="boxing-day"),
        pytest.param(date(2026, 5, 8), True, id="french-holiday-is-a-target2-day"),
        pytest.param(date(2026, 7, 14), True, id="bastille-day-is-a-target2-day"),
    ],
)
def test_target2_business_days(day: date, open_: bool) -> None:
    assert is_target2_business_day(day) is open_


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        pytest.param(date(2026, 4, 1), date(2026, 4, 1), id="due-date-is-open"),
        pytest.param(date(2026, 4, 3), date(2026, 4, 7), id="good-friday-weekend-easter-monday"),
        pytest.param(date(2026, 5, 1), date(2026, 5, 4), id="labour-day-friday"),
        pytest.param(date(2026, 12, 25), date(2026, 12, 28), id="christmas-friday"),
        pytest.param(date(2027, 12, 25), date(2027, 12, 27), id="christmas-saturday"),
    ],
)
def test_collection_moves_to_the_next_target2_day(due: date, expected: date) -> None:
    assert collection_date(due) == expected


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_collection_date_is_the_first_open_day_on_or_after_the_due_date(due: date) -> None:
    collected = collection_date(due)
    assert collected >= due
    assert is_target2_business_day(collected)
    assert all(not is_target2_business_day(due + timedelta(days=i)) for i in range((collected - due).days))
