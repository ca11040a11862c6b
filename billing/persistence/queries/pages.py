"""The stores and queries of the pages (issue 23): sign-in links and sessions (by SHA-256 only),
the job states the actors record, and the finance console's lists (customers, months).

Not projections: links, sessions and job states are written by their services alone.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from billing.persistence import tables as t
from billing.persistence.queries.tokens import stored_instant
from billing.services.page_sessions import StoredSession


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class SqlSessionStore:
    """``billing.services.page_sessions.SessionStore``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def accounts_with_email(self, email: str) -> list[tuple[str, date | None]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.accounts.c.account, t.accounts.c.service_end)
                .where(func.lower(t.accounts.c.billing_email) == email.lower())
                .order_by(t.accounts.c.account)
            ).all()
        return [(row.account, row.service_end) for row in rows]

    def links_since(self, account: str, since: datetime) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(
                select(func.count()).select_from(t.portal_sign_in_links).where(
                    t.portal_sign_in_links.c.account == account, t.portal_sign_in_links.c.created_at >= _utc(since))
            ).scalar_one())

    def add_link(self, link_hash: str, account: str, created_at: datetime, expires_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(t.portal_sign_in_links).values(
                link_hash=link_hash, account=account, created_at=_utc(created_at), expires_at=_utc(expires_at)))

    def use_link(self, link_hash: str, now: datetime) -> str | None:
        links = t.portal_sign_in_links
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(links)
                .where(links.c.link_hash == link_hash, links.c.used_at.is_(None), links.c.expires_at > _utc(now))
                .values(used_at=_utc(now))
            ).rowcount
            if changed != 1:
                return None
            account: str = conn.execute(select(links.c.account).where(links.c.link_hash == link_hash)).scalar_one()
            return account

    def add_session(self, session_hash: str, session_id: str, role: str, account: str | None,
                    created_at: datetime, expires_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(t.page_sessions).values(
                session_hash=session_hash, id=session_id, role=role, account=account,
                created_at=_utc(created_at), expires_at=_utc(expires_at)))

    def session(self, session_hash: str, now: datetime) -> tuple[str, str, str | None, date | None] | None:
        s = t.page_sessions
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.c.id, s.c.role, s.c.account, t.accounts.c.service_end)
                .select_from(s.outerjoin(t.accounts, t.accounts.c.account == s.c.account))
                .where(s.c.session_hash == session_hash, s.c.revoked_at.is_(None), s.c.expires_at > _utc(now))
            ).first()
        return None if row is None else (row.id, row.role, row.account, row.service_end)

    def revoke(self, session_id: str, now: datetime) -> bool:
        s = t.page_sessions
        with self.engine.begin() as conn:
            return bool(conn.execute(
                update(s).where(s.c.id == session_id, s.c.revoked_at.is_(None)).values(revoked_at=_utc(now))
            ).rowcount)

    def revoke_account(self, account: str, now: datetime) -> int:
        s = t.page_sessions
        with self.engine.begin() as conn:
            return int(conn.execute(
                update(s).where(s.c.account == account, s.c.revoked_at.is_(None)).values(revoked_at=_utc(now))
            ).rowcount)

    def sessions(self, account: str | None) -> list[StoredSession]:
        s = t.page_sessions
        query = select(s).order_by(s.c.created_at)
        if account is not None:
            query = query.where(s.c.account == account)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [StoredSession(row.id, row.role, row.account, stored_instant(row.created_at),
                              stored_instant(row.expires_at), row.revoked_at is not None) for row in rows]


class SqlJobStates:
    """``billing.services.directory.JobStates``: written by the job tracking middleware."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def queued(self, job_id: str, actor: str, month: str | None, at: datetime) -> None:
        """Record a sent job; a worker that already took it (in-process, right away) has written more."""
        with contextlib.suppress(IntegrityError), self.engine.begin() as conn:
            exists = conn.execute(select(t.job_states.c.id).where(t.job_states.c.id == job_id)).first()
            if exists is None:
                conn.execute(insert(t.job_states).values(
                    id=job_id, actor=actor, month=month, status="queued", queued_at=_utc(at)))

    def update(self, job_id: str, actor: str, month: str | None, status: str, at: datetime,
               error: str | None = None) -> None:
        values: dict[str, Any] = {"status": status}
        if status == "running":
            values["started_at"] = _utc(at)
        else:
            values["finished_at"] = _utc(at)
            values["error"] = error
        for _attempt in range(2):  # the insert of "queued" may land between our update and insert
            with contextlib.suppress(IntegrityError), self.engine.begin() as conn:
                changed = conn.execute(update(t.job_states).where(t.job_states.c.id == job_id).values(**values)).rowcount
                if not changed:  # taken by a worker before its "queued" was written
                    conn.execute(insert(t.job_states).values(
                        id=job_id, actor=actor, month=month, queued_at=_utc(at), **values))
                return

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.job_states).where(t.job_states.c.id == job_id)).first()
        if row is None:
            return None

        def instant(value: datetime | None) -> str | None:
            return None if value is None else stored_instant(value).isoformat()

        return {"id": row.id, "actor": row.actor, "month": row.month, "status": row.status,
                "queued_at": instant(row.queued_at), "started_at": instant(row.started_at),
                "finished_at": instant(row.finished_at), "error": row.error}


class SqlDirectoryQueries:
    """``billing.services.directory.DirectoryQueries``: the console's customer search and month list."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def customers(self, q: str, offset: int, limit: int) -> list[dict[str, Any]]:
        a = t.accounts
        query = select(a.c.account, a.c.legal_name, a.c.billing_email, a.c.siren, a.c.plan,
                       a.c.service_start, a.c.service_end).order_by(a.c.account).offset(offset).limit(limit)
        if q:
            pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(or_(
                func.lower(a.c.account).like(pattern, escape="\\"),
                func.lower(a.c.legal_name).like(pattern, escape="\\"),
                func.lower(a.c.billing_email).like(pattern, escape="\\"),
                a.c.siren.like(pattern, escape="\\"),
            ))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"account": r.account, "legal_name": r.legal_name, "billing_email": r.billing_email,
                 "siren": r.siren, "plan": r.plan,
                 "service_start": None if r.service_start is None else r.service_start.isoformat(),
                 "service_end": None if r.service_end is None else r.service_end.isoformat()} for r in rows]

    def months(self) -> list[str]:
        with self.engine.connect() as conn:
            return [m for (m,) in conn.execute(select(t.months.c.month).order_by(t.months.c.month.desc()))]


class SqlConsoleQueries:
    """``billing.services.console_views.ConsoleQueries``: an account's payments, its credit not
    applied, and the documents recorded without a stored PDF (rejected)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _money(self, table: Any, account: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.received_on, table.c.invoice, table.c.amount, table.c.method, table.c.reference)
                .where(table.c.account == account).order_by(table.c.received_on, table.c.id)
            ).all()
        return [{"received_on": r.received_on, "invoice": r.invoice, "amount": r.amount, "method": r.method,
                 "reference": r.reference} for r in rows]

    def payments(self, account: str) -> list[dict[str, Any]]:
        return self._money(t.payments, account)

    def unapplied_credits(self, account: str) -> list[dict[str, Any]]:
        return self._money(t.unapplied_credits, account)

    def rejected_documents(self, account: str | None, offset: int, limit: int) -> list[dict[str, Any]]:
        d = t.documents.c
        query = (
            select(d.number, d.kind, d.account, t.accounts.c.legal_name, d.issue_date, d.failures)
            .select_from(t.documents.outerjoin(t.accounts, t.accounts.c.account == d.account))
            .where(d.sha256.is_(None))
            .order_by(d.issue_date.desc(), d.number.desc())
            .offset(offset).limit(limit)
        )
        if account is not None:
            query = query.where(d.account == account)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"number": r.number, "kind": r.kind, "account": r.account, "legal_name": r.legal_name or "",
                 "issue_date": r.issue_date, "failures": r.failures} for r in rows]

    def rejected_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(
                select(func.count()).select_from(t.documents).where(t.documents.c.sha256.is_(None))
            ).scalar_one())
