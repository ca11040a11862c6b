"""VAT rates (API.md "Price grid": ``/v1/admin/vat-rates``; BILLING_RULES §4, art. 10.1).

The rates in force come from two places: the VAT table (recorded at any date, no notice) and the
optional ``vat_rate`` of a grid version, which records a rate from the grid's effective_from. The
table wins over a grid on the same day. Both are read from the ledger (two small singletons).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.commands.vat_rates import RecordVatRate
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate, run_command
from ledger.errors import NotFound
from ledger.grid_catalogue import PriceGridCatalogue
from ledger.numbering import CREDIT_NOTE_SERIES, INVOICE_SERIES, InvoiceNumbering
from ledger.vat_rates import VatRate, VatRateTable, rate_in_force


def all_rates(ledger: Ledger) -> list[VatRate]:
    """Every recorded rate, from the VAT table and the grids, by effective date."""
    rates: list[VatRate] = []
    catalogue: PriceGridCatalogue | None = find_aggregate(ledger, PriceGridCatalogue.create_id())
    if catalogue is not None:
        rates.extend(
            VatRate(g.vat_rate, g.effective_from, f"grid:{g.version}") for g in catalogue.versions() if g.vat_rate is not None
        )
    table: VatRateTable | None = find_aggregate(ledger, VatRateTable.create_id())
    if table is not None:
        rates.extend(table.rates())
    return sorted(rates, key=lambda r: (r.effective_from, r.source == "vat-rates"))


def vat_rate_on(ledger: Ledger, day: date) -> Decimal:
    """§4: the rate in force on ``day`` (an issue date); it applies to the whole invoice."""
    rate = rate_in_force(day, all_rates(ledger))
    if rate is None:
        raise NotFound(f"no VAT rate is in force on {day.isoformat()}", field="vat_rate")
    return rate


def last_issue_date(ledger: Ledger) -> date | None:
    """The latest issue date of an invoice or credit note already issued (numbers follow issue order)."""
    numbering: InvoiceNumbering | None = find_aggregate(ledger, InvoiceNumbering.create_id())
    if numbering is None:
        return None
    days = [d for d in (numbering.last_issued_on(INVOICE_SERIES), numbering.last_issued_on(CREDIT_NOTE_SERIES)) if d]
    return max(days) if days else None


class VatRateService:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def record(self, command: RecordVatRate) -> tuple[dict[str, str], bool]:
        """Record a rate from a day (no notice, §4); 422 before an issued invoice's issue date."""

        def record(table: VatRateTable) -> bool:
            return table.record(command.rate, command.effective_from, last_issue_date(self.ledger))

        created = run_command(self.ledger, VatRateTable.create_id(), record, what="VAT rate table", create=VatRateTable)
        rate = next(r for r in reversed(all_rates(self.ledger)) if r.source == "vat-rates" and
                    r.effective_from == command.effective_from)
        return {"rate": f"{rate.rate:.2f}", "effective_from": rate.effective_from.isoformat()}, created

    def list(self) -> list[dict[str, str]]:
        return [
            {"rate": f"{r.rate:.2f}", "effective_from": r.effective_from.isoformat(), "source": r.source}
            for r in all_rates(self.ledger)
        ]
