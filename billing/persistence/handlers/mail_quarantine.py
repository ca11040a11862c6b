"""How a quarantined message appears in the ``mail_quarantine`` read model (issue 17)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from billing.persistence import tables as t
from billing.persistence.projections import Handler, ProjectionStep
from ledger.mail_quarantine import QuarantinedMail


def quarantined(step: ProjectionStep, e: Any, _position: int) -> None:
    step.conn.execute(
        insert(t.mail_quarantine).values(
            sha256=e.sha256, size=e.size, message_id=e.message_id, sender=e.sender, subject=e.subject,
            received_at=e.received_at, reason=e.reason, field=e.field,
        )
    )


HANDLERS: dict[type, Handler] = {
    QuarantinedMail.Quarantined: quarantined,
}
