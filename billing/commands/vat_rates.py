"""Record a VAT rate from a day (§4, art. 10.1), run by ``VatRateService``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.input_checks import require_date
from ledger.vat_rates import parse_rate


@dataclass(frozen=True)
class RecordVatRate:
    rate: Decimal
    effective_from: date

    @classmethod
    def from_request(cls, rate: Any, effective_from: Any) -> RecordVatRate:
        """The rate and day checked in the order the VAT table checks them (same 422, same field)."""
        return cls(parse_rate(rate), require_date(effective_from, "effective_from"))
