"""VAT rates: a dated table of their own, outside the price grid (BILLING_RULES §4, art. 10.1).

Art. 10.1 applies new taxes and higher rates "sans délai": finance records a rate from any day,
even mid-month, with no notice. The rate in force on an invoice's issue date applies to the whole
invoice; a rate may not take effect before the issue date of an invoice already issued, because
issued invoices never change (§7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict, InvalidInput
from ledger.input_checks import decimal_str, require_date, require_decimal

VAT_TABLE_NAME = "flexio-billing:vat-rates"


@dataclass(frozen=True, slots=True)
class VatRate:
    """A rate (percent) in force from ``effective_from`` until the next one; ``source`` says who set it."""

    rate: Decimal
    effective_from: date
    source: str  # "vat-rates", or "grid:<version>" for a grid's optional vat_rate


def rate_in_force(day: date, rates: Iterable[VatRate]) -> Decimal | None:
    """The rate of the latest entry on or before ``day``; the VAT table wins over a grid on the same day."""
    best: tuple[date, int, Decimal] | None = None
    for entry in rates:
        if entry.effective_from <= day:
            key = (entry.effective_from, 1 if entry.source == "vat-rates" else 0, entry.rate)
            if best is None or key[:2] >= best[:2]:
                best = key
    return None if best is None else best[2]


def parse_rate(value: Any, field: str = "rate") -> Decimal:
    rate = require_decimal(value, field, max_places=2)
    if not Decimal(0) <= rate <= Decimal(100):
        raise InvalidInput(f"{field} must be a percent between 0 and 100", field=field)
    return rate


def check_not_before_issued(effective_from: date, last_issue: date | None) -> None:
    """§4: a rate cannot take effect before the issue date of an invoice already issued (422)."""
    if last_issue is not None and effective_from < last_issue:
        raise InvalidInput(
            f"effective_from {effective_from.isoformat()} is before the issue date of an invoice already issued"
            f" ({last_issue.isoformat()}): issued invoices never change",
            field="effective_from",
        )


class VatRateTable(Aggregate):
    """Every VAT rate recorded through ``/v1/admin/vat-rates``, in recording order (a singleton)."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, VAT_TABLE_NAME)

    @event("Created")
    def __init__(self) -> None:
        self._rates: list[VatRate] = []

    def rates(self) -> list[VatRate]:
        return list(self._rates)

    def record(self, rate: Any, effective_from: Any, last_issue: date | None) -> bool:
        """Record a rate; the same rate again for the same day changes nothing (returns False)."""
        clean_rate = parse_rate(rate)
        day = require_date(effective_from, "effective_from")
        for existing in self.rates():
            if existing.effective_from == day:
                if existing.rate == clean_rate:
                    return False
                raise Conflict(
                    f"a VAT rate of {existing.rate}% is already recorded from {day.isoformat()}",
                    field="effective_from",
                )
        check_not_before_issued(day, last_issue)
        self._recorded(rate=Decimal(decimal_str(clean_rate)), effective_from=day)
        return True

    @event("RateRecorded")
    def _recorded(self, rate: Decimal, effective_from: date) -> None:
        self._rates.append(VatRate(rate, effective_from, "vat-rates"))
