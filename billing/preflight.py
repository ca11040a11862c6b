"""Checks the CLI makes before it starts, so a misconfigured machine gets one clear line, not a traceback."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from billing.migrate import alembic_config
from billing.settings import Settings


def database_problem(settings: Settings) -> str | None:
    """Why the service cannot run on the configured database (unreachable, not migrated), or None."""
    if settings.auto_migrate:
        return None  # the service migrates it at start
    engine = create_engine(settings.sqlalchemy_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return "the database is not migrated: run `billing migrate` first"
            current = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"cannot use the database ({reason})"
    finally:
        engine.dispose()
    heads = set(ScriptDirectory.from_config(alembic_config(settings)).get_heads())
    if current != heads:
        return (f"the database is at migration {', '.join(sorted(current)) or 'none'}, not "
                f"{', '.join(sorted(heads))}: run `billing migrate` first")
    return None


def unreachable_database(exc: BaseException) -> str | None:
    """One line saying the database could not be used, when ``exc`` (or what caused it) is a
    connection failure of SQLAlchemy, psycopg, sqlite3 or eventsourcing; None for anything else.

    A command that meets the database away mid-way (an export, a close) then prints that line and
    exits 1, where it printed a traceback of the pool (issue 19.6).
    """
    import sqlite3

    import psycopg
    from eventsourcing.persistence import InterfaceError as StoreInterfaceError
    from eventsourcing.persistence import OperationalError as StoreOperationalError
    from sqlalchemy.exc import InterfaceError, OperationalError

    kinds = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
             sqlite3.OperationalError, StoreOperationalError, StoreInterfaceError)
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, kinds):
            reason = str(getattr(current, "orig", None) or current).strip().splitlines()
            return f"cannot use the database ({reason[0] if reason else type(current).__name__})"
        current = current.__cause__ or current.__context__
    return None
