"""What finance sees of a case (API.md "Disputes"), from the read model or from the aggregate itself.

Both give the same shape: the list reads the ``cases`` read model, a single case and the answer to a
command read the :class:`~ledger.case.Case` right after its save, before the projection.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cases.business_calendar import PARIS
from cases.disputes import Assessment
from cases.mail import ParsedMail
from ledger.case import WAITING_KINDS, Case, CaseAssessment, CaseMail, CaseStatus, MailAttachment
from ledger.input_checks import money_str


@dataclass(frozen=True)
class CaseRow:
    """One row of the ``cases`` read model; instants are timezone-aware."""

    case_id: str
    kind: str
    status: str
    invoice: str | None
    amount: Decimal | None
    received_at: datetime
    valid: bool
    reasons: tuple[str, ...]
    acknowledge_by: date
    answer_by: date
    account: str | None
    sender: str
    subject: str
    flags: tuple[str, ...]
    termination_kind: str | None
    request: str | None
    reply_to: str | None
    message_id: str
    acknowledged_at: datetime | None
    answered_on: date | None
    outcome: str | None
    resolved_amount_ht: Decimal | None
    resolution_note: str | None


def case_view_from_row(row: CaseRow) -> dict[str, Any]:
    """API.md's case shape (plus the case's life) from the ``cases`` read model."""
    return {
        "case": row.case_id,
        "kind": row.kind,
        "status": row.status,
        "invoice": row.invoice,
        "amount": None if row.amount is None else f"{row.amount:.2f}",
        "received_at": row.received_at.astimezone(PARIS).isoformat(),
        "valid": row.valid,
        "reasons": list(row.reasons),
        "acknowledge_by": row.acknowledge_by.isoformat(),
        "answer_by": row.answer_by.isoformat(),
        "account": row.account,
        "sender": row.sender,
        "subject": row.subject,
        "flags": list(row.flags),
        "termination_kind": row.termination_kind,
        "request": row.request,
        "reply_to": row.reply_to,
        "message_id": row.message_id,
        "acknowledged_at": None if row.acknowledged_at is None else row.acknowledged_at.astimezone(PARIS).isoformat(),
        "answered_on": None if row.answered_on is None else row.answered_on.isoformat(),
        "resolution": None
        if row.outcome is None
        else {
            "outcome": row.outcome,
            "amount_ht": None if row.resolved_amount_ht is None else f"{row.resolved_amount_ht:.2f}",
            "note": row.resolution_note,
        },
    }


def overdue(view: dict[str, Any], on: date) -> list[str]:
    """The §8 deadlines a case has missed on ``on``: "acknowledgment" (by the next business day) and
    "answer" (by the 7th day), for disputes and terminations still waiting for them."""
    if view["kind"] not in WAITING_KINDS or view["status"] == CaseStatus.RESOLVED:
        return []
    missed = []
    if view["acknowledged_at"] is None and on > date.fromisoformat(view["acknowledge_by"]):
        missed.append("acknowledgment")
    if view["answered_on"] is None and on > date.fromisoformat(view["answer_by"]):
        missed.append("answer")
    return missed


def then_view(_done: None, case: Case) -> dict[str, Any]:
    """For run_command: the case's view once its command has run."""
    return case_view(case)


def case_view(case: Case) -> dict[str, Any]:
    """The same shape from the aggregate itself (right after a write, before the projection)."""
    a = case.assessment
    resolution = case.resolution
    return {
        "case": str(case.id),
        "kind": a.kind,
        "status": case.status,
        "invoice": a.invoice,
        "amount": None if a.amount is None else f"{a.amount:.2f}",
        "received_at": case.received_at.astimezone(PARIS).isoformat(),
        "valid": a.valid,
        "reasons": list(a.reasons),
        "acknowledge_by": a.acknowledge_by.isoformat(),
        "answer_by": a.answer_by.isoformat(),
        "account": a.account,
        "sender": a.sender,
        "subject": a.subject,
        "flags": list(a.flags),
        "termination_kind": a.termination_kind,
        "request": a.request,
        "reply_to": a.reply_to,
        "message_id": case.message_id,
        "acknowledged_at": None if case.acknowledged_at is None else case.acknowledged_at.astimezone(PARIS).isoformat(),
        "answered_on": None if case.answered_on is None else case.answered_on.isoformat(),
        "resolution": None
        if resolution is None
        else {
            "outcome": resolution.outcome,
            "amount_ht": None if resolution.amount_ht is None else money_str(resolution.amount_ht),
            "note": resolution.note,
        },
    }


def mail_view(mail: CaseMail) -> dict[str, Any]:
    """What finance reads of the message itself, next to its case."""
    return {
        "sender_name": mail.sender_name,
        "date": None if mail.date is None else mail.date.isoformat(),
        "text": mail.text,
        "attachments": [asdict(a) for a in mail.attachments],
        "size": mail.size,
    }


def assessment_record(mail: ParsedMail, account: str | None, outcome: Assessment, reply_to: str | None) -> CaseAssessment:
    """The assessment as the Case's ``Received`` event keeps it."""
    return CaseAssessment(
        kind=outcome.kind,
        invoice=outcome.invoice,
        # to the cent, as the case has always shown it
        amount=None if outcome.amount is None else Decimal(f"{outcome.amount:.2f}"),
        valid=outcome.valid,
        reasons=tuple(outcome.reasons),
        flags=tuple(outcome.flags),
        acknowledge_by=outcome.acknowledge_by,
        answer_by=outcome.answer_by,
        received_on=outcome.received_at.astimezone(PARIS).date(),
        termination_kind=outcome.termination_kind,
        request=outcome.request,
        language=outcome.language,
        account=account,
        sender=mail.sender,
        subject=mail.subject[:500],
        reply_to=reply_to,
    )


def mail_record(raw_sha256: str, size: int, mail: ParsedMail, text_kept: int) -> CaseMail:
    """What the Case's ``Received`` event keeps of the message (the raw bytes are stored by digest)."""
    return CaseMail(
        sha256=raw_sha256,
        size=size,
        sender=mail.sender,
        sender_name=mail.sender_name[:200],
        subject=mail.subject[:500],
        date=mail.date,
        text=mail.text[:text_kept],
        attachments=tuple(
            MailAttachment(filename=a.filename, content_type=a.content_type, size=a.size, sha256=a.sha256)
            for a in mail.attachments
        ),
    )
