"""The messages the IMAP poller set aside (issue 17): :class:`billing.services.case_intake.QuarantineQueries`."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import Engine, select

from billing.persistence import tables as t


class SqlQuarantineQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def quarantined(self) -> list[dict[str, Any]]:
        q = t.mail_quarantine
        query = select(q).order_by(q.c.received_at, q.c.sha256)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        listed = []
        for row in rows:
            received = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=UTC)
            listed.append({
                "message_id": row.message_id, "sender": row.sender, "subject": row.subject,
                "received_at": received.isoformat(), "reason": row.reason, "field": row.field,
                "sha256": row.sha256, "size": row.size,
            })
        return listed
