"""Checks the CLI makes before it starts, so a misconfigured machine gets one clear line, not a traceback."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from billing.persistence.migrate import alembic_config
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

