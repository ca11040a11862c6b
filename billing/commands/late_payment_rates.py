"""Record a half-year's late-payment rates (BILLING_RULES §8, §12), run by ``LatePaymentRateService``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.late_payment_rates import parse_half_year, parse_percent


@dataclass(frozen=True)
class RecordLatePaymentRates:
    half_year: str
    ecb_rate: Decimal
    legal_rate: Decimal

    @classmethod
    def from_request(cls, half_year: Any, ecb_rate: Any, legal_rate: Any) -> RecordLatePaymentRates:
        """Checked in the order the table checks them (the same 422 naming the same field)."""
        return cls(parse_half_year(half_year), parse_percent(ecb_rate, "ecb_rate"), parse_percent(legal_rate, "legal_rate"))
