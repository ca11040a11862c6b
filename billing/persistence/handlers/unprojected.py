"""The events no read model needs: their aggregates are read from the ledger itself, where one is
needed (``tests/unit/wiring/test_projection_coverage.py`` holds every event of ``ledger/`` either to a
handler or to this set, so a new event without a projection is noticed)."""

from __future__ import annotations

from ledger.direct_debit import DirectDebitRegister
from ledger.grid_catalogue import PriceGridCatalogue
from ledger.late_payment_rates import LatePaymentRateTable
from ledger.month_close import MonthClose
from ledger.numbering import InvoiceNumbering
from ledger.service_level import ServiceLevel
from ledger.vat_rates import VatRateTable

UNPROJECTED: frozenset[type] = frozenset(
    {
        # The one register every new SEPA file moves: it serialises file creation, nothing more;
        # the files themselves are projected (DirectDebitFile.Recorded).
        DirectDebitRegister.Opened,
        DirectDebitRegister.FileNoted,
        # The gapless numbering (§7) is loaded and moved in the issuing transaction; the numbers
        # issued are in the invoices and credit notes they name.
        InvoiceNumbering.Opened,
        InvoiceNumbering.NumbersAllocated,
        # Rate tables (late-payment rates, VAT rates): small, read from their aggregate by the services.
        LatePaymentRateTable.Created,
        LatePaymentRateTable.RatesRecorded,
        VatRateTable.Created,
        VatRateTable.RateRecorded,
        # A customer's SLA terms, tickets and approvals are read from the aggregate; the penalty
        # credit an approval leads to is projected (CustomerAccount.PenaltyCreditGranted).
        ServiceLevel.Opened,
        ServiceLevel.TermsSet,
        ServiceLevel.TicketOpened,
        ServiceLevel.TicketConfirmed,
        ServiceLevel.ServiceRestored,
        ServiceLevel.PenaltyApproved,
        # The watchdog sending a stalled close's job again: kept on the aggregate so that one
        # watchdog of many sends it; the progress shown is that of MonthClose.InvoicesIssued.
        MonthClose.Rescheduled,
        # The catalogue opened empty: its grids are projected as they are published.
        PriceGridCatalogue.Created,
    }
)
