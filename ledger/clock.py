"""The one injectable clock. Everything that needs "today" asks a Clock (BILLING_RULES §2)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


def today(clock: Clock) -> date:
    """The business date in Paris for the clock's instant."""
    return clock.now().astimezone(PARIS).date()


class FixedClock:
    """A clock that tests move by hand, as Kill Bill's integration tests do."""

    def __init__(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs an aware instant")
        self._instant = instant

    def now(self) -> datetime:
        return self._instant

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs an aware instant")
        self._instant = instant

    def set_date(self, day: date, hour: int = 12) -> None:
        self._instant = datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)

    def advance(self, delta: timedelta) -> None:
        self._instant = self._instant + delta
