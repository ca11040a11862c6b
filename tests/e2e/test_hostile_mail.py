"""Issue 17: an email with text no read model can hold is refused whole at the dispute intake.

On PostgreSQL, a NUL in a ``Case.Received`` event's subject could not be projected ("PostgreSQL
text fields cannot contain NUL"): the projector retried it forever, /health said 503 and every read
model froze. The event guard (ledger/event_guard.py, called by ``Ledger.save``) now refuses it: a
422 naming the field, nothing written (no event, no raw message), the projector keeps going.
Both backends; the messages are corpus message 01 with only its Subject (or From) changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.api_helpers import ADMIN, get, post
from support.factories import customer

from billing.persistence import tables as t

CORPUS = Path(__file__).parents[1] / "data" / "mail"
RFC822 = {**ADMIN, "Content-Type": "message/rfc822"}
SUBJECT = b"Subject: Contestation facture FX-2026-000001"


def message(subject: bytes = SUBJECT, sender: bytes | None = None) -> bytes:
    raw = (CORPUS / "01-fr-plain-valid.eml").read_bytes()
    assert SUBJECT in raw
    raw = raw.replace(SUBJECT, subject)
    if sender is not None:
        raw = raw.replace(b'From: "Claire Martin" <compta@acme.fr>', sender)
    return raw


def stored(client: TestClient) -> tuple[int, int, int]:
    """(events in the ledger, raw messages kept, cases projected)."""
    container = client.app.state.container  # type: ignore[attr-defined]
    container.projector.catch_up()
    with container.engine.connect() as conn:
        raws = conn.execute(select(func.count()).select_from(t.case_messages)).scalar_one()
        cases = conn.execute(select(func.count()).select_from(t.cases)).scalar_one()
    return int(container.ledger.recorder.max_notification_id() or 0), raws, cases


@pytest.mark.parametrize(
    ("subject", "sender", "field"),
    [
        # A raw NUL byte in the header, as the attacker sent it over HTTP.
        (b"Subject: Contestation\x00 facture FX-2026-000001", None, "assessment.subject"),
        # The same NUL as a MIME encoded word (RFC 2047): plain ASCII on the wire, as any mail server
        # relays it, decoded into the subject by the parser.
        (b"Subject: =?utf-8?q?Contestation=00_facture?= FX-2026-000001", None, "assessment.subject"),
        # An escape sequence (C0) and a right-to-left override in the subject.
        (b"Subject: =?utf-8?q?Contestation_=1B[31mrouge?=", None, "assessment.subject"),
        (b"Subject: =?utf-8?b?RlgtMjAyNi0wMDAwMDEg4oCucmV2ZXJzZWQ=?=", None, "assessment.subject"),
        # A C1 control (U+0085) in the display name of From.
        (SUBJECT, b'From: =?utf-8?q?Claire=C2=85Martin?= <compta@acme.fr>', "mail.sender_name"),
    ],
)
def test_an_email_with_text_no_read_model_holds_is_a_422_naming_the_field_and_nothing_is_recorded(
    client: TestClient, subject: bytes, sender: bytes | None, field: str
) -> None:
    post(client, "/v1/admin/customers", customer("acme"))
    before = stored(client)
    response = client.post("/v1/admin/disputes/emails", content=message(subject, sender), headers=RFC822)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in response.text, error
    assert "control character" in response.text
    # Nothing half-written: no event, no raw message kept, no case; the projector is not stopped.
    assert stored(client) == before
    assert client.get("/health").status_code == 200
    assert get(client, "/v1/admin/disputes")["cases"] == []
    # The same message without the hostile character is recorded as usual (201): the read models move on.
    clean = client.post("/v1/admin/disputes/emails", content=message(), headers=RFC822)
    assert clean.status_code == 201, clean.text
    assert stored(client)[1:] == (1, 1)
    assert client.get("/health").status_code == 200
