"""The read-model rows the audit's snapshot is made of (``billing/services/audit.py``), and the rebuild of
the read models from the ledger into a scratch copy to compare with the live ones (issue 18 item 1)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Integer, create_engine, select, text
from sqlalchemy.pool import StaticPool

from billing.persistence import tables as t
from billing.persistence.eventstore import Ledger
from billing.persistence.json_codec import ENGINE_JSON_CODEC
from invoices.invariants import (
    LATE_PAYMENT_KINDS,
    Dispute,
    IssuedDocument,
    PenaltyGrant,
    Receipt,
    ServicePeriod,
)
from ledger.case import CaseKind, CaseStatus
from ledger.month_close import CloseStatus


class SqlAuditQueries:
    """:class:`billing.services.audit.AuditQueries` over the read-model tables."""

    def __init__(self, engine: Engine, ledger: Ledger) -> None:
        self.engine = engine
        self.ledger = ledger

    def documents(self) -> list[IssuedDocument]:
        inv, cn = t.invoices.c, t.credit_notes.c
        out = []
        with self.engine.connect() as conn:
            for r in conn.execute(select(inv.number, inv.account, inv.month, inv.issue_date, inv.total_ht,
                                         inv.total_vat, inv.total_ttc, inv.document)):
                lines = (r.document or {}).get("lines", [])
                out.append(IssuedDocument(
                    r.number, "invoice", r.account, r.month, r.issue_date, Decimal(r.total_ht), Decimal(r.total_vat),
                    Decimal(r.total_ttc), None,
                    late_payment=any(line.get("kind") in LATE_PAYMENT_KINDS for line in lines),
                    catch_up_periods=tuple(sorted({str(line["period"]) for line in lines if line.get("period")})),
                ))
            for c in conn.execute(select(cn.number, cn.account, cn.corrects, cn.issue_date, cn.total_ht, cn.total_vat,
                                         cn.total_ttc)):
                out.append(IssuedDocument(
                    c.number, "credit_note", c.account, f"{c.issue_date:%Y-%m}", c.issue_date, Decimal(c.total_ht),
                    Decimal(c.total_vat), Decimal(c.total_ttc), c.corrects,
                ))
        return out

    def closed_months(self) -> list[str]:
        with self.engine.connect() as conn:
            return [m for (m,) in conn.execute(select(t.months.c.month).where(t.months.c.status == CloseStatus.CLOSED))]

    def months_being_closed(self) -> list[str]:
        with self.engine.connect() as conn:
            return [m for (m,) in conn.execute(select(t.months.c.month)
                                               .where(t.months.c.status.in_((CloseStatus.CLOSING, CloseStatus.FAILED))))]

    def service_periods(self) -> list[ServicePeriod]:
        a = t.accounts.c
        with self.engine.connect() as conn:
            return [ServicePeriod(r.account, r.service_start, r.service_end, bool(r.freemium))
                    for r in conn.execute(select(a.account, a.service_start, a.service_end, a.freemium)
                                          .where(a.service_start.is_not(None)))]

    def receipts(self) -> list[Receipt]:
        p, u = t.payments.c, t.unapplied_credits.c
        with self.engine.connect() as conn:
            applied = [Receipt(r.account, r.invoice, Decimal(r.amount), r.received_on, r.reference or "", True)
                       for r in conn.execute(select(p.account, p.invoice, p.amount, p.received_on, p.reference))]
            rest = [Receipt(r.account, r.invoice, Decimal(r.amount), r.received_on, r.reference or "", False)
                    for r in conn.execute(select(u.account, u.invoice, u.amount, u.received_on, u.reference))]
        return applied + rest

    def penalty_grants(self) -> list[PenaltyGrant]:
        c = t.penalty_credits.c
        with self.engine.connect() as conn:
            return [PenaltyGrant(r.account, r.incident_on, Decimal(r.granted))
                    for r in conn.execute(select(c.account, c.incident_on, c.granted))]

    def disputes(self) -> list[Dispute]:
        c = t.cases.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.invoice, c.received_at, c.valid, c.status, c.answered_on)
                                .where(c.kind == CaseKind.DISPUTE, c.invoice.is_not(None))).all()
        out = []
        for r in rows:
            resolved = r.answered_on if r.status in (CaseStatus.ANSWERED, CaseStatus.RESOLVED) else None
            if r.status == CaseStatus.RESOLVED and resolved is None:
                resolved = date.min  # resolved without a date: it holds nothing back any more
            received = r.received_at if isinstance(r.received_at, datetime) else datetime.fromisoformat(str(r.received_at))
            out.append(Dispute(r.invoice, received, bool(r.valid), resolved))
        return out

    def stored_documents(self) -> list[tuple[str, str | None, str | None, tuple[str, ...]]]:
        """(number, sha256 recorded, path, the reasons of a rejection) of every rendered document."""
        d = t.documents.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(d.number, d.sha256, d.path, d.failures)).all()
        return [(r.number, r.sha256, r.path, _reasons(r.failures)) for r in rows]

    def sepa_files(self) -> list[tuple[date, str, str, str]]:
        """(collection date, message id, sha256, created at) of every file recorded in the ledger."""
        f = t.sepa_files.c
        with self.engine.connect() as conn:
            return [(r.collection_date, r.message_id, r.sha256, r.created_at)
                    for r in conn.execute(select(f.collection_date, f.message_id, f.sha256, f.created_at))]

    def tables_differing_from_rebuild(self) -> list[str] | None:
        """Rebuild the read models from the ledger alone into a scratch copy and name the tables whose rows
        differ from the live ones (surrogate ids aside); None when the ledger moved during the rebuild."""
        from billing.persistence.handlers import register_handlers
        from billing.persistence.projections import ReadModelProjector

        live_position = ReadModelProjector(self.ledger, self.engine).position()
        with _scratch_engine(self.engine) as scratch:
            t.metadata.create_all(scratch)
            projector = ReadModelProjector(self.ledger, scratch)
            register_handlers(projector)
            projector.rebuild()
            if projector.position() != live_position:
                return None
            differing = []
            for table in t.PROJECTED_TABLES:
                if table is t.projection_tracking:
                    continue
                if _rows(self.engine, table) != _rows(scratch, table):
                    differing.append(table.name)
            return differing


def _reasons(failures: Any) -> tuple[str, ...]:
    if not failures:
        return ()
    if isinstance(failures, str):
        return (failures,)
    if isinstance(failures, dict):
        return tuple(f"{k}: {v}" for k, v in failures.items()) or ("rejected",)
    return tuple(json.dumps(f, sort_keys=True, default=str) if not isinstance(f, str) else f for f in failures)


def _normal(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value.normalize())
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _rows(engine: Engine, table: Any) -> list[tuple[Any, ...]]:
    """The table's rows as sorted tuples, without autoincremented ids (a rebuild numbers them anew)."""
    columns = [c for c in table.columns
               if not (c.primary_key and isinstance(c.type, Integer) and c.autoincrement in (True, "auto")
                       and c.name == "id")]
    with engine.connect() as conn:
        rows = [tuple(_normal(v) for v in row) for row in conn.execute(select(*columns))]
    return sorted(rows, key=lambda r: json.dumps(r, default=str))


@contextmanager
def _scratch_engine(live: Engine) -> Iterator[Engine]:
    """A fresh, empty place for the rebuild: a temporary SQLite file, or a new PostgreSQL schema."""
    if live.dialect.name == "sqlite":
        # In memory, one connection (StaticPool) for the rebuild and the reads: a file would fsync each of
        # the ~70 CREATE statements (0.9 s an audit, measured), and the copy lives only for the comparison.
        engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False},
                               **ENGINE_JSON_CODEC)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"audit_rebuild_{uuid.uuid4().hex[:12]}"
    with live.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = live.url.render_as_string(hide_password=False)
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"}, **ENGINE_JSON_CODEC)
    try:
        yield engine
    finally:
        engine.dispose()
        with live.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
