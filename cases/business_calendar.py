"""The business calendar of the contract: Jours Ouvrés and Heures Ouvrées (art. 1, 10.2, 12.4).

A business day is Monday to Friday, not a French public holiday (the ``holidays`` package, metropolitan
France). Business hours are those of the support desk, 08:30-12:00 and 13:30-18:00 in Europe/Paris
(art. 12.4), so a business day counts 8 business hours. All instants are timezone-aware; naive ones
are refused rather than guessed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "BUSINESS_WINDOWS",
    "PARIS",
    "business_hours_between",
    "business_time_between",
    "is_business_day",
    "is_business_hour",
    "next_business_day",
    "next_business_instant",
    "public_holiday",
]

PARIS = ZoneInfo("Europe/Paris")

# art. 12.4: the support desk answers 08:30-12:00 and 13:30-18:00, Monday to Friday.
BUSINESS_WINDOWS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(18, 0)))


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("FR", years=year).items())


def public_holiday(day: date) -> str | None:
    """The name of the French public holiday on ``day``, or None."""
    return _holidays_of(day.year).get(day)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a French public holiday (Jour Ouvré)."""
    return day.weekday() < 5 and public_holiday(day) is None


def next_business_day(day: date) -> date:
    """The first business day strictly after ``day`` (art. 10.2: acknowledge "le jour ouvré suivant")."""
    nxt = day + timedelta(days=1)
    while not is_business_day(nxt):
        nxt += timedelta(days=1)
    return nxt


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("business-hour arithmetic needs an aware instant")
    return instant.astimezone(PARIS)


def _windows_of(day: date) -> list[tuple[datetime, datetime]]:
    if not is_business_day(day):
        return []
    return [
        (datetime.combine(day, start, tzinfo=PARIS), datetime.combine(day, end, tzinfo=PARIS))
        for start, end in BUSINESS_WINDOWS
    ]


def is_business_hour(instant: datetime) -> bool:
    """True when ``instant`` falls inside a business-hour window (start included, end excluded)."""
    local = _aware(instant)
    return any(start <= local < end for start, end in _windows_of(local.date()))


def next_business_instant(instant: datetime) -> datetime:
    """``instant`` itself inside business hours, else the start of the next business hour (art. 12.4:
    an interruption notified outside them is counted "à partir de la première Heure Ouvrée qui suit")."""
    local = _aware(instant)
    day = local.date()
    while True:
        for start, end in _windows_of(day):
            if local < end:
                return max(local, start)
        day += timedelta(days=1)
        local = datetime.combine(day, time(0, 0), tzinfo=PARIS)


def business_time_between(start: datetime, end: datetime) -> timedelta:
    """The business time inside [start, end): the sum of its overlaps with the business-hour windows.
    An empty or reversed interval is zero."""
    lo, hi = _aware(start), _aware(end)
    total = timedelta(0)
    if hi <= lo:
        return total
    day = lo.date()
    while day <= hi.date():
        for w_start, w_end in _windows_of(day):
            overlap = min(hi, w_end) - max(lo, w_start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def business_hours_between(start: datetime, end: datetime) -> Decimal:
    """:func:`business_time_between` in hours, exact (Decimal seconds / 3600, not rounded here)."""
    seconds = business_time_between(start, end)
    micro = Decimal(seconds.days * 86_400_000_000 + seconds.seconds * 1_000_000 + seconds.microseconds)
    return micro / Decimal(3_600_000_000)
