"""Late-payment rates: a dated table finance keeps, per half-year (BILLING_RULES §8, §12, art. 10.3).

Art. 10.3 and Code de commerce L441-10: late interest runs at max(ECB main refinancing rate + 10
points, 3 × the French legal interest rate for professionals), both published per half-year. The
values are facts finance records as they are published (``POST /v1/admin/late-payment-rates``,
``billing late-payment-rates add``), kept in the ledger like the VAT rates; the table starts with the
values BILLING_RULES §8 publishes and nothing beyond them: a half-year not recorded is reported by the
receivables and the late-payment invoices, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict, InvalidInput
from ledger.input_checks import decimal_str, require_decimal

LATE_PAYMENT_TABLE_NAME = "flexio-billing:late-payment-rates"
HALF_YEAR = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True, slots=True)
class LatePaymentRate:
    """The two published rates of a half-year ("2026-H1": January-June), in percent a year."""

    half_year: str
    ecb_rate: Decimal  # ECB main refinancing operations rate
    legal_rate: Decimal  # French legal interest rate for professionals (taux de l'intérêt légal)


# BILLING_RULES §8 "Known values": the only values the table starts with (§12: seeded, not guessed beyond).
PUBLISHED = (
    LatePaymentRate("2025-H1", Decimal("3.15"), Decimal("3.71")),
    LatePaymentRate("2025-H2", Decimal("2.15"), Decimal("2.76")),
    LatePaymentRate("2026-H1", Decimal("2.15"), Decimal("2.62")),
)


def parse_half_year(value: Any, field: str = "half_year") -> str:
    """``YYYY-H1`` or ``YYYY-H2``, for a year of the business calendar (2000-2100, BILLING_RULES §2)."""
    match = HALF_YEAR.match(value) if isinstance(value, str) else None
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(f"{field} must be a half-year YYYY-H1 or YYYY-H2 (2000 to 2100)", field=field)
    return value


def parse_percent(value: Any, field: str) -> Decimal:
    """A published rate in percent a year, as a plain decimal string with at most 2 decimals, 0 to 100."""
    rate = require_decimal(value, field, max_places=2)
    if not Decimal(0) <= rate <= Decimal(100):
        raise InvalidInput(f"{field} must be a percent between 0 and 100", field=field)
    return rate


class LatePaymentRateTable(Aggregate):
    """Every half-year's rates, in recording order (a singleton), starting with §8's published values."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE_URL, LATE_PAYMENT_TABLE_NAME)

    @event("Created")
    def __init__(self, seeded: tuple[LatePaymentRate, ...] = PUBLISHED) -> None:
        self._rates: list[LatePaymentRate] = list(seeded)

    def rates(self) -> list[LatePaymentRate]:
        return sorted(self._rates, key=lambda r: r.half_year)

    def of(self, half_year: str) -> LatePaymentRate | None:
        return next((r for r in self._rates if r.half_year == half_year), None)

    def record(self, half_year: Any, ecb_rate: Any, legal_rate: Any) -> LatePaymentRate:
        """Record a half-year's rates once: a half-year already recorded is a 409 (published rates
        do not change; a wrong entry is not silently replaced)."""
        key = parse_half_year(half_year)
        ecb = parse_percent(ecb_rate, "ecb_rate")
        legal = parse_percent(legal_rate, "legal_rate")
        existing = self.of(key)
        if existing is not None:
            raise Conflict(
                f"the late-payment rates of {key} are already recorded (ECB {existing.ecb_rate}%,"
                f" legal rate {existing.legal_rate}%)",
                field="half_year",
            )
        self._recorded(half_year=key, ecb_rate=Decimal(decimal_str(ecb)), legal_rate=Decimal(decimal_str(legal)))
        recorded = self.of(key)
        assert recorded is not None
        return recorded

    @event("RatesRecorded")
    def _recorded(self, half_year: str, ecb_rate: Decimal, legal_rate: Decimal) -> None:
        self._rates.append(LatePaymentRate(half_year, ecb_rate, legal_rate))
