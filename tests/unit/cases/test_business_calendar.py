"""The business calendar (art. 10.2, 12.4): hand-worked days and hours around holidays, weekends, lunch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from cases.business_calendar import (
    PARIS,
    business_hours_between,
    business_time_between,
    is_business_day,
    is_business_hour,
    next_business_day,
    next_business_instant,
    public_holiday,
)


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def test_public_holidays_and_weekends_are_not_business_days() -> None:
    assert public_holiday(date(2026, 7, 14)) is not None  # Tuesday, Fête nationale
    assert not is_business_day(date(2026, 7, 14))
    assert not is_business_day(date(2026, 11, 28))  # a Saturday
    assert not is_business_day(date(2026, 5, 14))  # Ascension Thursday 2026 (Easter 5 April + 39 days)
    assert is_business_day(date(2026, 11, 26))  # an ordinary Thursday


def test_good_friday_is_a_business_day_outside_alsace_moselle() -> None:
    assert is_business_day(date(2026, 4, 3))  # Good Friday 2026: a holiday only in Alsace-Moselle


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 7, 13), date(2026, 7, 15)),  # Mon -> Tue 14 July is a holiday -> Wed 15
        (date(2026, 8, 14), date(2026, 8, 17)),  # Fri -> Sat 15 Aug (holiday anyway), Sun -> Mon 17
        (date(2025, 8, 14), date(2025, 8, 18)),  # Thu -> Fri 15 Aug 2025 holiday, weekend -> Mon 18
        (date(2026, 11, 27), date(2026, 11, 30)),  # Fri -> Mon
        (date(2026, 11, 28), date(2026, 11, 30)),  # Sat -> Mon
        (date(2026, 12, 24), date(2026, 12, 28)),  # Thu -> Fri 25 Dec holiday, weekend -> Mon 28
        (date(2026, 4, 30), date(2026, 5, 4)),  # Thu -> Fri 1 May holiday, weekend -> Mon 4 May
        (date(2026, 11, 25), date(2026, 11, 26)),  # Wed -> Thu
    ],
)
def test_next_business_day(day: date, expected: date) -> None:
    assert next_business_day(day) == expected


def test_business_hours_skip_the_lunch_break() -> None:
    # 11:00-12:00 counts 1 h, 12:00-13:30 nothing, 13:30-14:00 counts 0.5 h: 1.5 h
    assert business_hours_between(paris("2026-11-26T11:00"), paris("2026-11-26T14:00")) == Decimal("1.5")


def test_a_full_business_day_counts_eight_hours() -> None:
    # 3.5 h in the morning (08:30-12:00) + 4.5 h in the afternoon (13:30-18:00) = 8 h
    assert business_hours_between(paris("2026-11-26T00:00"), paris("2026-11-27T00:00")) == Decimal(8)


def test_a_weekend_counts_nothing() -> None:
    # Fri 17:00-18:00 = 1 h, Sat and Sun 0, Mon 08:30-09:30 = 1 h: 2 h
    assert business_hours_between(paris("2026-11-27T17:00"), paris("2026-11-30T09:30")) == Decimal(2)


def test_the_fourteenth_of_july_counts_nothing() -> None:
    # Mon 13 July 17:00-18:00 = 1 h, Tue 14 July holiday 0, Wed 15 July 08:30-09:00 = 0.5 h: 1.5 h
    assert business_hours_between(paris("2026-07-13T17:00"), paris("2026-07-15T09:00")) == Decimal("1.5")


def test_the_week_of_the_fourteenth_of_july_has_four_business_days() -> None:
    # Mon 13 to Fri 17 July 2026 minus Tue 14: 4 days x 8 h = 32 h
    assert business_hours_between(paris("2026-07-13T00:00"), paris("2026-07-18T00:00")) == Decimal(32)


def test_across_the_daylight_saving_change() -> None:
    # 2026-03-29 (Sunday) clocks go forward; Fri 27 17:00 -> Mon 30 09:30 is still 1 h + 1 h = 2 h
    assert business_hours_between(paris("2026-03-27T17:00"), paris("2026-03-30T09:30")) == Decimal(2)


def test_utc_instants_are_read_in_paris() -> None:
    # 2026-11-26 07:30 UTC is 08:30 in Paris (UTC+1 in November); to 10:00 UTC = 11:00 Paris: 2.5 h
    utc_start = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)
    assert business_hours_between(utc_start, utc_start + timedelta(hours=2, minutes=30)) == Decimal("2.5")


def test_reversed_or_empty_interval_is_zero() -> None:
    assert business_time_between(paris("2026-11-26T15:00"), paris("2026-11-26T10:00")) == timedelta(0)
    assert business_time_between(paris("2026-11-26T12:10"), paris("2026-11-26T13:20")) == timedelta(0)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-11-26T10:00", "2026-11-26T10:00"),  # inside the morning window: itself
        ("2026-11-26T07:00", "2026-11-26T08:30"),  # before opening
        ("2026-11-26T12:15", "2026-11-26T13:30"),  # lunch
        ("2026-11-26T18:00", "2026-11-27T08:30"),  # closing time is outside (end excluded)
        ("2026-11-27T19:00", "2026-11-30T08:30"),  # Friday evening -> Monday
        ("2026-07-13T18:30", "2026-07-15T08:30"),  # Monday evening, Tuesday 14 July -> Wednesday
    ],
)
def test_next_business_instant(instant: str, expected: str) -> None:
    assert next_business_instant(paris(instant)) == paris(expected)


def test_is_business_hour_bounds() -> None:
    assert is_business_hour(paris("2026-11-26T08:30"))
    assert not is_business_hour(paris("2026-11-26T12:00"))
    assert is_business_hour(paris("2026-11-26T13:30"))
    assert not is_business_hour(paris("2026-11-28T10:00"))  # Saturday


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        business_time_between(datetime(2026, 11, 26, 9), datetime(2026, 11, 26, 10))
