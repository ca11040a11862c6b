"""What invoices and credit notes share on the read side (issue 11; ``ledger/document_lifecycle.py``):
the stored document (hash, path, validation failures) and its mail's status, in ``documents``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select, update

from billing.persistence import tables as t
from billing.persistence.projections import ProjectionStep


def _owner(step: ProjectionStep, number: str, kind: str) -> tuple[str, date]:
    step.flush()
    table = t.credit_notes if kind == "credit_note" else t.invoices
    row = step.conn.execute(select(table.c.account, table.c.issue_date).where(table.c.number == number)).one()
    return str(row.account), row.issue_date


def upsert_document(step: ProjectionStep, kind: str, e: Any, sha256: str | None, path: str | None,
                    failures: Any) -> None:
    """The ``documents`` row of an invoice or a credit note (``kind``), replaced by its latest render."""
    account, issue_date = _owner(step, e.number, kind)
    step.conn.execute(delete(t.documents).where(t.documents.c.number == e.number))
    step.conn.execute(
        insert(t.documents).values(
            number=e.number, kind=kind, account=account, issue_date=issue_date,
            sha256=sha256, path=path, failures=failures,
        )
    )


def _mail(step: ProjectionStep, e: Any, status: str, detail: str) -> None:
    step.flush()
    step.conn.execute(
        update(t.documents).where(t.documents.c.number == e.number).values(mail_status=status, mail_detail=detail)
    )


def mailed(step: ProjectionStep, e: Any, _position: int) -> None:
    """``Mailed`` of an invoice or a credit note."""
    _mail(step, e, "sent", f"{e.to} via {e.via} ({e.message_id})")


def mail_failed(step: ProjectionStep, e: Any, _position: int) -> None:
    """``MailFailed`` of an invoice or a credit note."""
    _mail(step, e, "failed", f"{e.to}: {e.error}")


def _transmission(step: ProjectionStep, e: Any, **values: Any) -> None:
    step.flush()
    step.conn.execute(update(t.documents).where(t.documents.c.number == e.number).values(**values))


def transmitted(step: ProjectionStep, e: Any, _position: int) -> None:
    """``TransmittedToPlatform`` of an invoice or a credit note (issue 22)."""
    _transmission(step, e, pa_status="transmitted", pa_flow_id=e.flow_id or None, pa_at=e.at, pa_error=None)


def transmission_rejected(step: ProjectionStep, e: Any, _position: int) -> None:
    """``TransmissionRejected`` of an invoice or a credit note (issue 22): the reason, shown to finance."""
    error = {"status": e.status, "code": e.error_code or None, "message": e.error_message or None,
             "reasons": list(e.reasons)}
    _transmission(step, e, pa_status="rejected", pa_flow_id=None, pa_at=e.at, pa_error=error)
