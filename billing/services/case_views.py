"""What finance sees of a case (API.md "Disputes"), from the read model or from the aggregate itself.

Both give the same shape: the list reads the ``cases`` read model, a single case and the answer to a
command read the :class:`~ledger.case.Case` right after its save, before the projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cases.calendar import PARIS
from cases.disputes import Assessment
from cases.mail import ParsedMail
from ledger.case import WAITING_KINDS, Case


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
    if view["kind"] not in WAITING_KINDS or view["status"] == "resolved":
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
        "kind": a["kind"],
        "status": case.status,
        "invoice": a.get("invoice"),
        "amount": a.get("amount"),
        "received_at": datetime.fromisoformat(case.received_at).astimezone(PARIS).isoformat(),
        "valid": a["valid"],
        "reasons": list(a["reasons"]),
        "acknowledge_by": a["acknowledge_by"],
        "answer_by": a["answer_by"],
        "account": a.get("account"),
        "sender": a.get("sender") or "",
        "subject": a.get("subject") or "",
        "flags": list(a["flags"]),
        "termination_kind": a.get("termination_kind"),
        "request": a.get("request"),
        "reply_to": a.get("reply_to"),
        "message_id": case.message_id,
        "acknowledged_at": None
        if case.acknowledged_at is None
        else datetime.fromisoformat(case.acknowledged_at).astimezone(PARIS).isoformat(),
        "answered_on": case.answered_on,
        "resolution": None if resolution is None else {k: resolution[k] for k in ("outcome", "amount_ht", "note")},
    }


def assessment_record(mail: ParsedMail, account: str | None, outcome: Assessment) -> dict[str, Any]:
    """The assessment as the Case's ``Received`` event keeps it."""
    return {
        "kind": outcome.kind,
        "invoice": outcome.invoice,
        "amount": None if outcome.amount is None else f"{outcome.amount:.2f}",
        "valid": outcome.valid,
        "reasons": list(outcome.reasons),
        "flags": list(outcome.flags),
        "acknowledge_by": outcome.acknowledge_by.isoformat(),
        "answer_by": outcome.answer_by.isoformat(),
        "received_on": outcome.received_at.astimezone(PARIS).date().isoformat(),
        "termination_kind": outcome.termination_kind,
        "request": outcome.request,
        "language": outcome.language,
        "account": account,
        "sender": mail.sender,
        "subject": mail.subject[:500],
    }
