"""Whose turn it is to read the mailbox: pollers sharing a database take turns (see ``imap.py``).

A file lock next to the SQLite database, a PostgreSQL advisory lock otherwise; a poller that finds
the lock taken skips its turn. This is the :class:`billing.services.case_intake.PollTurn` that
bootstrap hands the case intake.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from billing.settings import Settings

POLL_LOCK = 815_001_013  # any constant: the advisory lock of the mailbox poll


class DatabasePollTurn:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine

    @contextmanager
    def hold(self) -> Iterator[bool]:
        """True while this process holds the poll turn; False when another poller does."""
        settings = self.settings
        if settings.is_sqlite:
            path = settings.sqlite_path.with_name(settings.sqlite_path.name + ".mail-poll.lock")
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a+b") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            return
        with self.engine.connect() as conn:
            held = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": POLL_LOCK}).scalar())
            conn.commit()
            try:
                yield held
            finally:
                if held:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": POLL_LOCK})
                    conn.commit()
