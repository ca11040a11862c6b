"""Retention and access rules (BILLING_RULES §9, art. 10.2, art. 7.3)."""

from __future__ import annotations

from datetime import date

import pytest

from invoices.retention import RangeRefused, access_open, archive_range, erasure_date, visible_since
from ledger.months import Month


def test_documents_stay_visible_for_five_years_to_the_day() -> None:
    assert visible_since(date(2031, 3, 2)) == date(2026, 3, 2)
    assert visible_since(date(2028, 2, 29)) == date(2023, 2, 28)  # no 29 February in 2023


def test_access_is_open_on_the_last_day_of_service_and_closed_the_next() -> None:
    assert access_open(date(2026, 5, 31), None)
    assert access_open(date(2026, 5, 31), date(2026, 5, 31))
    assert not access_open(date(2026, 6, 1), date(2026, 5, 31))


def test_personal_data_is_erased_from_day_60_after_the_end() -> None:
    assert erasure_date(date(2026, 5, 31)) == date(2026, 7, 30)  # 31 May + 60 days = 30 July


def test_an_archive_range_covers_whole_months_of_issue() -> None:
    span = archive_range(Month.parse("2026-01"), Month.parse("2026-03"))
    assert (span.first, span.last) == (date(2026, 1, 1), date(2026, 3, 31))
    five_years = archive_range(Month.parse("2021-04"), Month.parse("2026-03"))  # 60 months
    assert five_years.first == date(2021, 4, 1)


@pytest.mark.parametrize(("first", "last"), [("2026-03", "2026-01"), ("2021-03", "2026-03")])
def test_a_reversed_range_or_one_wider_than_five_years_is_refused(first: str, last: str) -> None:
    with pytest.raises(RangeRefused):
        archive_range(Month.parse(first), Month.parse(last))
