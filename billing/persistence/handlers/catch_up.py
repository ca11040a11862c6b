"""Read-model side of §7b: which closed months a late fact touched.

A fact (contract, option, hours, intervention, termination) is "late" when the projection meets it
after the close of its month has started: the same cut-off as late usage (``ProjectionStep.frontier``).
Such a fact marks (account, its month) for the first open month's close, which rates that month
again and bills what is still due. A mark never bills anything by itself, so marking too much costs
a re-rating, never money; marking too little would lose a fact, so every dated fact marks: the
handlers of the contract, options, hours, interventions and termination call :func:`mark_catch_up`
after their own rows (:mod:`.account`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing.persistence import tables as t
from billing.persistence.projections import ProjectionStep
from ledger.months import Month


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
