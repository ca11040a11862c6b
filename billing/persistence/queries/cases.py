"""The read-model queries of customer cases and the store of their raw messages (§8, issue 13).

``SqlCaseQueries`` answers both :class:`billing.services.case_intake.IntakeQueries` (recording mail)
and :class:`billing.services.cases.CaseQueries` (reading and resolving cases); ``SqlMessageStore`` is
:class:`billing.services.case_intake.MessageStore`, the raw bytes kept by SHA-256.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing.persistence import tables as t
from billing.services.case_views import CaseRow
from cases.disputes import InvoiceFacts
from ledger.case import WAITING_KINDS, CaseKind, CaseStatus

OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED, CaseStatus.ANSWERED)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _aware(instant: datetime) -> datetime:
    """SQLite returns naive UTC for timezone-aware columns."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant


def _case_row(row: Any) -> CaseRow:
    return CaseRow(
        case_id=str(row.case_id),
        kind=row.kind,
        status=row.status,
        invoice=row.invoice,
        amount=None if row.amount is None else Decimal(row.amount),
        received_at=_aware(row.received_at),
        valid=bool(row.valid),
        reasons=tuple(row.reasons),
        acknowledge_by=row.acknowledge_by,
        answer_by=row.answer_by,
        account=row.account,
        sender=row.sender,
        subject=row.subject,
        flags=tuple(row.flags),
        termination_kind=row.termination_kind,
        request=row.request,
        reply_to=row.reply_to,
        message_id=row.message_id,
        acknowledged_at=None if row.acknowledged_at is None else _aware(row.acknowledged_at),
        answered_on=row.answered_on,
        outcome=row.outcome,
        resolved_amount_ht=None if row.resolved_amount_ht is None else Decimal(row.resolved_amount_ht),
        resolution_note=row.resolution_note,
    )


class SqlCaseQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- intake ------------------------------------------------------------------------------------

    def billing_emails(self) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.accounts.c.account, t.accounts.c.billing_email)).all()
        return [(row.account, row.billing_email) for row in rows]

    def billing_emails_of_domain(self, domain: str) -> list[tuple[str, str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.accounts.c.account, t.accounts.c.billing_email).where(
                    func.lower(t.accounts.c.billing_email).like(f"%@{_like_escape(domain)}", escape="\\")
                )
            ).all()
        return [(row.account, row.billing_email) for row in rows]

    def invoice_facts(self, number: str) -> InvoiceFacts | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.invoices.c.number, t.invoices.c.account, t.invoices.c.issue_date, t.invoices.c.total_ttc,
                       t.invoices.c.status).where(t.invoices.c.number == number)
            ).first()
        if row is None:
            return None
        return InvoiceFacts(row.number, row.account, row.issue_date, Decimal(row.total_ttc), row.status)

    def known_message_ids(self, message_ids: set[str]) -> set[str]:
        if not message_ids:
            return set()
        with self.engine.connect() as conn:
            return {
                row.message_id
                for row in conn.execute(select(t.cases.c.message_id).where(t.cases.c.message_id.in_(message_ids)))
            }

    def first_case_of(self, case_ids: list[str], message_ids: list[str]) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.cases.c.case_id)
                .where(or_(t.cases.c.case_id.in_(case_ids), t.cases.c.message_id.in_(message_ids)))
                .order_by(t.cases.c.received_at)
                .limit(1)
            ).first()
        return None if row is None else str(row.case_id)

    # -- reading and resolving ---------------------------------------------------------------------

    def cases(self, statuses: tuple[str, ...] | None, kind: str | None) -> list[CaseRow]:
        query = select(t.cases).order_by(t.cases.c.received_at, t.cases.c.case_id)
        if statuses is not None:
            query = query.where(t.cases.c.status.in_(statuses))
        if kind is not None:
            query = query.where(t.cases.c.kind == kind)
        with self.engine.connect() as conn:
            return [_case_row(row) for row in conn.execute(query).all()]

    def invoice_total_ht(self, number: str) -> Decimal | None:
        with self.engine.connect() as conn:
            total = conn.execute(select(t.invoices.c.total_ht).where(t.invoices.c.number == number)).scalar()
        return None if total is None else Decimal(total)

    def other_open_dispute(self, invoice: str, case_id: str) -> bool:
        query = select(t.cases.c.case_id).where(
            t.cases.c.invoice == invoice,
            t.cases.c.kind == CaseKind.DISPUTE,
            t.cases.c.valid.is_(True),
            t.cases.c.status.in_(OPEN_STATUSES),
            t.cases.c.case_id != case_id,
        )
        with self.engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def due_acknowledgments(self) -> list[str]:
        query = (
            select(t.cases.c.case_id)
            .where(
                t.cases.c.status == CaseStatus.OPEN,
                t.cases.c.acknowledged_at.is_(None),
                t.cases.c.kind.in_(WAITING_KINDS),
            )
            .order_by(t.cases.c.acknowledge_by, t.cases.c.received_at)
        )
        with self.engine.connect() as conn:
            return [row.case_id for row in conn.execute(query)]


class SqlMessageStore:
    """The ``case_messages`` table: raw messages by SHA-256, written once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def keep(self, messages: Iterable[tuple[str, bytes]]) -> None:
        rows = [{"sha256": digest, "size": len(raw), "raw": raw} for digest, raw in messages]
        if not rows:
            return
        with self.engine.begin() as conn:
            stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t.case_messages)
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["sha256"]), rows)

    def raw(self, sha256: str) -> bytes | None:
        with self.engine.connect() as conn:
            raw = conn.execute(select(t.case_messages.c.raw).where(t.case_messages.c.sha256 == sha256)).scalar()
        return None if raw is None else bytes(raw)
