"""How case events change the ``cases`` read model (issue 13). Registered from handlers.py."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import update

from billing.persistence import tables as t
from billing.persistence.projections import ProjectionStep, ReadModelProjector
from ledger.case import is_open_at_receipt


def case_key(originator_id: UUID) -> str:
    return str(originator_id)


def register_case_handlers(projector: ReadModelProjector) -> None:
    on = projector.on

    @on("Case.Received")
    def received(step: ProjectionStep, e: Any, _position: int) -> None:
        a = e.assessment
        step.batched_rows.setdefault(t.cases, []).append(
            dict(
                case_id=case_key(e.originator_id),
                message_id=e.message_id,
                kind=a["kind"],
                status="open" if is_open_at_receipt(a) else "filed",
                account=a.get("account"),
                sender=a.get("sender") or "",
                subject=a.get("subject") or "",
                invoice=a.get("invoice"),
                amount=None if a.get("amount") is None else Decimal(a["amount"]),
                received_at=datetime.fromisoformat(e.received_at),
                valid=bool(a["valid"]),
                reasons=list(a["reasons"]),
                flags=list(a["flags"]),
                acknowledge_by=date.fromisoformat(a["acknowledge_by"]),
                answer_by=date.fromisoformat(a["answer_by"]),
                termination_kind=a.get("termination_kind"),
                request=a.get("request"),
                reply_to=a.get("reply_to"),
                acknowledged_at=None,
                answered_on=None,
                outcome=None,
                resolved_amount_ht=None,
                resolution_note=None,
            )
        )

    def case_update(step: ProjectionStep, e: Any, **values: Any) -> None:
        step.flush()  # the case's row may still be batched in this step
        step.conn.execute(update(t.cases).where(t.cases.c.case_id == case_key(e.originator_id)).values(**values))

    @on("Case.Acknowledged")
    def acknowledged(step: ProjectionStep, e: Any, _position: int) -> None:
        # The status moves only from open; an answered case acknowledged late keeps "answered".
        step.flush()
        step.conn.execute(
            update(t.cases)
            .where(t.cases.c.case_id == case_key(e.originator_id), t.cases.c.status == "open")
            .values(status="acknowledged")
        )
        case_update(step, e, acknowledged_at=datetime.fromisoformat(e.at))

    @on("Case.Answered")
    def answered(step: ProjectionStep, e: Any, _position: int) -> None:
        case_update(step, e, status="answered", answered_on=date.fromisoformat(e.on))

    @on("Case.Resolved")
    def resolved(step: ProjectionStep, e: Any, _position: int) -> None:
        case_update(
            step,
            e,
            status="resolved",
            outcome=e.outcome,
            resolved_amount_ht=None if e.amount_ht is None else Decimal(e.amount_ht),
            resolution_note=e.note,
        )
