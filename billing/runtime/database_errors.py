"""Whether an exception says the database cannot be reached or dropped the connection (issue 17).

One definition for the API (a 503 with Retry-After, ``billing/api/errors.py``) and the CLI (one line
and exit 1, ``billing/cli/main.py``). SQLAlchemy's wrappers are told by name, so that the API, which imports
no persistence, can use it.
"""

from __future__ import annotations

import sqlite3

import eventsourcing.persistence as es
import psycopg

# The driver-level errors of a database that cannot be reached or dropped the connection.
# (psycopg_pool.PoolTimeout is a psycopg.OperationalError; eventsourcing re-raises psycopg's as its own.)
_AWAY_TYPES: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    es.OperationalError,
    es.InterfaceError,
    es.ConnectionUnavailableError,
)
# SQLAlchemy's own wrappers, told by name: the API does not import SQLAlchemy (import-linter).
# TimeoutError is QueuePool's "QueuePool limit ... reached, connection timed out".
_AWAY_SQLALCHEMY = {"OperationalError", "InterfaceError", "TimeoutError", "DisconnectionError"}


def database_away(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the database cannot be reached or dropped us."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _AWAY_TYPES):
            return True
        kind = type(current)
        if kind.__module__ == "sqlalchemy.exc" and kind.__name__ in _AWAY_SQLALCHEMY:
            return True
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError keeps the driver's error here
        stack.extend([orig if isinstance(orig, BaseException) else None, current.__cause__, current.__context__])
    return False
