"""Read-model side of §7 and §7b: which closed months a late fact touched, and failed closes.

A fact (contract, option, hours, intervention, termination) is "late" when the projection meets it
after the close of its month has started: the same cut-off as late usage (``ProjectionStep.frontier``).
Such a fact marks (account, its month) for the first open month's close, which rates that month
again and bills what is still due. A mark never bills anything by itself, so marking too much costs
a re-rating, never money; marking too little would lose a fact, so every dated fact marks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing.persistence import tables as t
from billing.persistence.projections import Handler, ProjectionStep, ReadModelProjector
from ledger.month_close import CloseStatus
from ledger.months import Month

# event -> (the date attribute, whether every month from it to the frontier is touched)
_DATED_FACTS: dict[str, tuple[str, bool]] = {
    "CustomerAccount.ContractSigned": ("service_start", True),  # every missed month, installation
    "CustomerAccount.OptionAccepted": ("accepted_on", True),  # the option from its acceptance on
    "CustomerAccount.OptionEnded": ("ended_on", True),
    "CustomerAccount.SupportHoursRecorded": ("on", False),
    "CustomerAccount.InterventionRecorded": ("on", False),
    "CustomerAccount.TerminationNotified": ("effective_end", False),  # the final invoice's indemnity
}


def mark_catch_up(step: ProjectionStep, account: str, day: date, through_frontier: bool) -> None:
    """§7b: a fact dated in a month whose close has started is billed by the first open month."""
    if step.frontier is None:
        return
    frontier = Month.parse(step.frontier)
    origin = Month.of(day)
    if origin > frontier:
        return  # an open month: its own close bills it
    booked = frontier.next().index()
    last = frontier if through_frontier else origin
    rows = []
    month = origin
    while month <= last:
        rows.append({"account": account, "booked_month": booked, "origin_month": month.index()})
        month = month.next()
    dialect = step.conn.dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(t.catch_up_periods)
    step.conn.execute(stmt.on_conflict_do_nothing(), rows)


def _marking(name: str, handler: Handler, attribute: str, through_frontier: bool) -> Handler:
    def handle(step: ProjectionStep, event: Any, position: int) -> None:
        handler(step, event, position)
        mark_catch_up(step, step.account_of(event.originator_id), getattr(event, attribute), through_frontier)

    handle.__name__ = f"{handler.__name__}_and_mark_catch_up"
    return handle


def register_catch_up_handlers(projector: ReadModelProjector) -> None:
    """Wrap the account handlers so late facts are marked, and project failed/resumed closes."""
    for name, (attribute, through_frontier) in _DATED_FACTS.items():
        projector.handlers[name] = _marking(name, projector.handlers[name], attribute, through_frontier)

    @projector.on("MonthClose.Failed")
    def close_failed(step: ProjectionStep, e: Any, _position: int) -> None:
        step.flush()
        step.conn.execute(
            update(t.months).where(t.months.c.month == step.month_of(e.originator_id)).values(
                status=CloseStatus.FAILED, error=e.reason
            )
        )

    @projector.on("MonthClose.Resumed")
    def close_resumed(step: ProjectionStep, e: Any, _position: int) -> None:
        step.flush()
        step.conn.execute(
            update(t.months).where(t.months.c.month == step.month_of(e.originator_id)).values(
                status=CloseStatus.CLOSING, error=None
            )
        )
