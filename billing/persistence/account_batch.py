"""Account events of one projection step, written with one statement per table (issue 10, item 8).

Projecting account events one statement each cost about 10 s for 10,000 new accounts (an insert
per registration, a lookup and an update per contract). Here a step keeps:

- the full row of each account registered in the step, to which later updates of that account in
  the same step are applied in memory (its contract, its termination): one insert per table;
- for accounts stored before the step, their updates coalesced per account (every account update
  sets plain values, so the last value of each column is the result): one update per set of
  columns, run as an executemany;
- the rows the other account events insert (options, hours, interventions, payments, credits),
  in event order, so the surrogate ids keep that order;
- ends of options stored before the step, in event order, run BEFORE the new option rows are
  inserted: an end only touches the rows that were open when it happened.

:class:`~billing.persistence.projections.ProjectionStep` flushes this buffer before any statement
that reads the tables (every use of ``step.conn``), so a handler that reads sees every earlier event
of the step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, bindparam, update

from billing.persistence import tables as t

InsertRows = Callable[[Table, list[dict[str, Any]]], None]


class AccountBuffer:
    """Pending writes of account events, flushed in one statement per table (see the module doc)."""

    def __init__(self) -> None:
        self.new: dict[str, dict[str, Any]] = {}  # account code -> row of an account registered in this step
        self.updates: dict[str, dict[str, Any]] = {}  # account code -> values for a row stored before
        self.inserts: dict[str, list[dict[str, Any]]] = {}  # table name -> rows, in event order
        self.option_ends: list[dict[str, Any]] = []  # ends of option rows stored before this step

    def __bool__(self) -> bool:
        return bool(self.new or self.updates or self.inserts or self.option_ends)

    def register(self, row: dict[str, Any]) -> None:
        """A new account: the columns its registration sets (later updates of the step add theirs;
        a column no event set stays SQL NULL, one set to None holds JSON null, as row by row)."""
        self.new[row["account"]] = dict(row)

    def update(self, account: str, values: dict[str, Any]) -> None:
        """Set columns of an account row: in memory if it is new in this step, else coalesced."""
        target = self.new.get(account)
        if target is None:
            target = self.updates.setdefault(account, {})
        target.update(values)

    def insert(self, table: Table, row: dict[str, Any]) -> None:
        self.inserts.setdefault(table.name, []).append(row)

    def end_option(self, account: str, option: str, ended_on: date | None) -> None:
        """End the open rows of ``option``: those inserted earlier in this step in memory, the
        stored ones at flush (before this step's new rows are inserted, which it must not touch)."""
        for row in self.inserts.get(t.account_options.name, []):
            if row["account"] == account and row["option"] == option and row["ended_on"] is None:
                row["ended_on"] = ended_on
        self.option_ends.append({"_account": account, "_option": option, "ended_on": ended_on})

    def flush(self, conn: Connection, insert_rows: InsertRows) -> None:
        """Write everything pending: one insert per table, one update per set of columns."""
        if self.new:
            by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for row in self.new.values():  # one insert per set of columns (registered, signed, ended)
                by_columns.setdefault(tuple(sorted(row)), []).append(row)
            for rows in by_columns.values():
                insert_rows(t.accounts, rows)
            self.new = {}
        if self.updates:
            by_columns = {}
            for account, values in self.updates.items():
                by_columns.setdefault(tuple(sorted(values)), []).append({"_account": account, **values})
            for params in by_columns.values():
                conn.execute(update(t.accounts).where(t.accounts.c.account == bindparam("_account")), params)
            self.updates = {}
        if self.option_ends:
            o = t.account_options.c
            conn.execute(
                update(t.account_options).where(
                    o.account == bindparam("_account"), o.option == bindparam("_option"), o.ended_on.is_(None)
                ),
                self.option_ends,
            )
            self.option_ends = []
        if self.inserts:
            for table in t.PROJECTED_TABLES:  # declaration order: accounts before their records
                rows = self.inserts.pop(table.name, [])
                if rows:
                    insert_rows(table, rows)
            if self.inserts:
                raise LookupError(f"no projected table named {sorted(self.inserts)}")
