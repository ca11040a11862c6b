"""Late-payment rates finance keeps (API.md "Operations and audit", BILLING_RULES §8, §12).

The table is a singleton aggregate in the ledger (ledger/late_payment_rates.py), like the VAT rates:
its ``Created`` event carries §8's published values and each half-year finance records is one more
event. It is created by the first half-year finance records; until then a read gives the same
published values without writing anything (a GET never appends to the ledger). The receivables
and the late-payment invoices read it on every request, so a half-year recorded now is used by the
next answer (no restart, no file to edit).
"""

from __future__ import annotations

from typing import Any

from billing.commands.late_payment_rates import RecordLatePaymentRates
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate, run_command
from exports.late_interest import HalfYearRates, RateTable
from ledger.late_payment_rates import PUBLISHED, LatePaymentRate, LatePaymentRateTable


def recorded_rates(ledger: Ledger) -> list[LatePaymentRate]:
    """Every half-year in the table, by half-year: §8's published values while nothing is recorded."""
    table: LatePaymentRateTable | None = find_aggregate(ledger, LatePaymentRateTable.create_id())
    return sorted(PUBLISHED, key=lambda r: r.half_year) if table is None else table.rates()


def rate_view(rate: LatePaymentRate) -> dict[str, str]:
    return {"half_year": rate.half_year, "ecb_rate": f"{rate.ecb_rate:.2f}", "legal_rate": f"{rate.legal_rate:.2f}"}


class LatePaymentRateService:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def record(self, command: RecordLatePaymentRates) -> dict[str, str]:
        """Record a half-year once (201); a half-year already recorded is a 409, bad values a 422."""
        rate: LatePaymentRate = run_command(
            self.ledger,
            LatePaymentRateTable.create_id(),
            lambda table: table.record(command.half_year, command.ecb_rate, command.legal_rate),
            what="late-payment rate table",
            create=LatePaymentRateTable,  # seeded with §8's published values in its Created event
        )
        return rate_view(rate)

    def list(self) -> list[dict[str, Any]]:
        return [rate_view(r) for r in recorded_rates(self.ledger)]

    def table(self) -> RateTable:
        """The rates as the §8 computation reads them (exports/late_interest.py), as recorded now."""
        return RateTable({r.half_year: HalfYearRates(r.ecb_rate, r.legal_rate)
                          for r in recorded_rates(self.ledger)})
