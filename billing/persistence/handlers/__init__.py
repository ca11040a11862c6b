"""The read side, by aggregate: how each ledger event changes the read models.

One module per aggregate of ``ledger/`` (the customer account's split as the aggregate is: its own
facts, its money, its corrections), each with plain functions and a ``HANDLERS`` table from event
class to handler, built at import: a renamed or removed event class fails there, not silently.
What an event does to several read models is written in its one handler, in order (an invoice's
rows, then its FEC entry; a late contract's row, then its catch-up mark): shared steps live in
:mod:`.fec`, :mod:`.catch_up` and :mod:`.document_lifecycle`. The events no read model needs are
listed in :mod:`.unprojected`.

Every handler takes ``(step, event, position)``: it buffers rows on the step (written one statement
per table at flush) or executes through ``step.conn``, which flushes first (``projections.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from billing.persistence.handlers import (
    account,
    account_corrections,
    account_money,
    case,
    credit_note,
    direct_debit,
    grid_catalogue,
    invoice,
    mail_quarantine,
    month_close,
    usage,
)
from billing.persistence.projections import Handler, ReadModelProjector

BY_AGGREGATE: tuple[Mapping[type, Handler], ...] = (
    account.HANDLERS,  # CustomerAccount: registration, contract, options, hours, termination
    account_money.HANDLERS,  # CustomerAccount: payments, returns, unapplied and penalty credits (issue 12)
    account_corrections.HANDLERS,  # CustomerAccount: withdrawals
    grid_catalogue.HANDLERS,  # PriceGridCatalogue
    usage.HANDLERS,  # UsageBatch
    month_close.HANDLERS,  # MonthClose (§7, §7b)
    invoice.HANDLERS,  # Invoice (issue 11: documents, statuses; §12: FEC)
    credit_note.HANDLERS,  # CreditNote
    direct_debit.HANDLERS,  # DirectDebitFile (issue 12)
    case.HANDLERS,  # Case (issue 13)
    mail_quarantine.HANDLERS,  # QuarantinedMail (issue 17)
)


def register_handlers(projector: ReadModelProjector) -> None:
    """Register every handler on the projector, keyed by its event class (at bootstrap)."""
    for handlers in BY_AGGREGATE:
        for event_class, handler in handlers.items():
            projector.on(event_class, handler)
