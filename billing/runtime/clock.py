"""The wall clock, the production implementation of :class:`ledger.clock.Clock`.

It lives at the edge: the domain never reads the wall clock, it is handed a Clock.
"""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
