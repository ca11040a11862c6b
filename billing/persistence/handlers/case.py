"""How a case's events change the ``cases`` read model (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import update

from billing.persistence import tables as t
from billing.persistence.projections import Handler, ProjectionStep
from ledger.case import Case, CaseAssessment, CaseStatus, is_open_at_receipt
from ledger.input_checks import money_str


def case_key(originator_id: UUID) -> str:
    return str(originator_id)


def utc(instant: datetime) -> datetime:
    """The instant in UTC, as the ``cases`` columns keep it on both backends: SQLite's DateTime drops
    the offset and the queries read a naive value back as UTC, so 10:15+01:00 stored as such came
    back as 10:15 UTC, one hour late in Paris (issue 18)."""
    if instant.tzinfo is None:
        raise ValueError(f"a case instant without its offset: {instant.isoformat()}")
    return instant.astimezone(UTC)


def received(step: ProjectionStep, e: Any, _position: int) -> None:
    a: CaseAssessment = e.assessment
    step.batched_rows.setdefault(t.cases, []).append(
        dict(
            case_id=case_key(e.originator_id),
            message_id=e.message_id,
            kind=a.kind,
            status=CaseStatus.OPEN if is_open_at_receipt(a) else CaseStatus.FILED,
            account=a.account,
            sender=a.sender,
            subject=a.subject,
            invoice=a.invoice,
            amount=a.amount,
            received_at=utc(e.received_at),
            valid=a.valid,
            reasons=list(a.reasons),
            flags=list(a.flags),
            acknowledge_by=a.acknowledge_by,
            answer_by=a.answer_by,
            termination_kind=a.termination_kind,
            request=a.request,
            reply_to=a.reply_to,
            acknowledged_at=None,
            answered_on=None,
            outcome=None,
            resolved_amount_ht=None,
            resolution_note=None,
        )
    )


def _case_update(step: ProjectionStep, e: Any, **values: Any) -> None:
    step.flush()  # the case's row may still be batched in this step
    step.conn.execute(update(t.cases).where(t.cases.c.case_id == case_key(e.originator_id)).values(**values))


def acknowledged(step: ProjectionStep, e: Any, _position: int) -> None:
    # The status moves only from open; an answered case acknowledged late keeps "answered".
    step.flush()
    step.conn.execute(
        update(t.cases)
        .where(t.cases.c.case_id == case_key(e.originator_id), t.cases.c.status == CaseStatus.OPEN)
        .values(status=CaseStatus.ACKNOWLEDGED)
    )
    _case_update(step, e, acknowledged_at=utc(e.at))


def answered(step: ProjectionStep, e: Any, _position: int) -> None:
    _case_update(step, e, status=CaseStatus.ANSWERED, answered_on=e.on)


def resolved(step: ProjectionStep, e: Any, _position: int) -> None:
    _case_update(
        step,
        e,
        status=CaseStatus.RESOLVED,
        outcome=e.outcome,
        resolved_amount_ht=None if e.amount_ht is None else Decimal(money_str(e.amount_ht)),
        resolution_note=e.note,
    )


HANDLERS: dict[type, Handler] = {
    Case.Received: received,
    Case.Acknowledged: acknowledged,
    Case.Answered: answered,
    Case.Resolved: resolved,
}
