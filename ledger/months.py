"""Calendar months, the billing period (BILLING_RULES §2)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_RE = re.compile(r"(20[0-9]{2}|2100)-(0[1-9]|1[0-2])", re.ASCII)


@dataclass(frozen=True, order=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """A month from 2000-01 to 2100-12 (the range of every business date, ledger/input_checks.py)."""
        match = _MONTH_RE.fullmatch(text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"not a month (YYYY-MM, 2000-01 to 2100-12): {str(text)[:20]!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    @property
    def days(self) -> int:
        # A table, not calendar.monthrange: that computes the weekday too, and rating asks for the
        # days of a month some 17 times per account (0.5 s of a 10,000-account close).
        if self.month == 2:
            return 29 if calendar.isleap(self.year) else 28
        return _DAYS[self.month]

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def contains(self, day: date) -> bool:
        return day.year == self.year and day.month == self.month

    def index(self) -> int:
        """Months since year 0, for arithmetic and ordering in storage."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)
