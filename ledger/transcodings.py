"""How the ledger's value types are stored in events and snapshots (eventsourcing ``Transcoding``s).

Registered on the ledger application (billing/persistence/eventstore.py), so an ``@event`` method
can take a ``Money``, a ``date`` or a ``Month`` and the aggregate keep it typed, instead of ISO
strings and "800.00" re-parsed by properties. Each value is stored as its canonical text:
``{"_type_": "money", "_data_": "800.00"}``, ``{"_type_": "date_iso", "_data_": "2025-04-01"}``.
Events written before a type was registered keep their strings (no production data: no upcasting).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from eventsourcing.persistence import Transcoding

from ledger.money import Money
from ledger.months import Month


class MoneyAsStr(Transcoding):
    """``Money`` as its full-precision Decimal text (rounding stays explicit, ledger/money.py)."""

    type = Money
    name = "money"

    def encode(self, obj: Money) -> str:
        return str(obj.amount)

    def decode(self, data: str) -> Money:
        return Money(Decimal(data))


class DateAsISO(Transcoding):
    """A business ``date`` (never a datetime: the library's ``DatetimeAsISO`` has those)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class MonthAsStr(Transcoding):
    """A billing ``Month`` as "YYYY-MM"."""

    type = Month
    name = "month"

    def encode(self, obj: Month) -> str:
        return str(obj)

    def decode(self, data: str) -> Month:
        return Month.parse(data)


LEDGER_TRANSCODINGS: tuple[Transcoding, ...] = (MoneyAsStr(), DateAsISO(), MonthAsStr())
