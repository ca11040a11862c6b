"""How a month close's events change the ``months`` read model (§7, §7b): started (the cut-off of
late usage), invoices issued (its progress), failed, resumed, closed."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import delete, insert, update

from billing.persistence import tables as t
from billing.persistence.projections import Handler, ProjectionStep
from ledger.month_close import CloseStatus, MonthClose


def started(step: ProjectionStep, e: Any, position: int) -> None:
    month = str(e.month)
    step.flush()
    step.conn.execute(delete(t.months).where(t.months.c.month == month))
    step.conn.execute(
        insert(t.months).values(
            month=month,
            aggregate_id=e.originator_id.hex,
            status=CloseStatus.CLOSING,
            issue_date=e.issue_date,
            cutoff=position,
            billable=e.billable,
            invoices=0,
            total_ht=0,
            total_ttc=0,
        )
    )
    # §7: from this position on, usage of this month or earlier is late usage.
    if step.frontier is None or month > step.frontier:
        step.frontier = month


def invoices_issued(step: ProjectionStep, e: Any, _position: int) -> None:
    step.conn.execute(
        update(t.months)
        .where(t.months.c.month == step.month_of(e.originator_id))
        .values(
            invoices=t.months.c.invoices + sum(1 for _, number in e.entries if number),
            last_chunk_at=_utc(getattr(e, "at", None)),  # issue 17: the close's progress, for finance
        )
    )


def failed(step: ProjectionStep, e: Any, _position: int) -> None:
    step.flush()
    step.conn.execute(
        update(t.months).where(t.months.c.month == step.month_of(e.originator_id)).values(
            status=CloseStatus.FAILED, error=e.reason
        )
    )


def resumed(step: ProjectionStep, e: Any, _position: int) -> None:
    step.flush()
    step.conn.execute(
        update(t.months).where(t.months.c.month == step.month_of(e.originator_id)).values(
            status=CloseStatus.CLOSING, error=None
        )
    )


def closed(step: ProjectionStep, e: Any, _position: int) -> None:
    step.conn.execute(
        update(t.months)
        .where(t.months.c.month == step.month_of(e.originator_id))
        .values(status=CloseStatus.CLOSED, total_ht=e.total_ht.amount, total_ttc=e.total_ttc.amount)
    )


HANDLERS: dict[type, Handler] = {
    MonthClose.Started: started,
    MonthClose.InvoicesIssued: invoices_issued,
    MonthClose.Failed: failed,
    MonthClose.Resumed: resumed,
    MonthClose.Closed: closed,
}


def _utc(instant: Any) -> Any:
    """An instant in UTC: SQLite keeps no offset, so every backend stores UTC (read back as UTC)."""
    return None if instant is None else instant.astimezone(UTC)
