"""Issue 17: a message the poller cannot record goes to the Quarantine folder with its reason, and
the rest of its chunk goes on. Against a private Dovecot, on SQLite and PostgreSQL.

The hostile message is corpus message 01 with another Message-ID and a NUL in its Subject, written as
a MIME encoded word (``=?utf-8?q?...=00...?=``): plain ASCII on the wire, as any mail server relays it,
and a NUL once decoded. Before the guard it was recorded, and on PostgreSQL its case never projected.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from imapclient import IMAPClient
from support import dovecot_server
from support.api_helpers import get, post
from support.factories import customer

from billing.mail.imap import MailboxConfig, MailboxPoller
from billing.services import case_intake

pytestmark = pytest.mark.skipif(not dovecot_server.available(), reason="dovecot-imapd missing: scripts/ensure-dovecot")

CORPUS = Path(__file__).parents[1] / "data" / "mail"


@pytest.fixture
def dovecot() -> Iterator[dovecot_server.Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="billing-dovecot-"))  # not tmp_path: Dovecot runs as its own user
    server = dovecot_server.start(root)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def imap(server: dovecot_server.Dovecot) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False)
    client.login(server.user, server.password)
    return client


def deliver(server: dovecot_server.Dovecot, *messages: bytes) -> None:
    client = imap(server)
    for raw in messages:
        client.append("INBOX", raw)
    client.logout()


def count(server: dovecot_server.Dovecot, folder: str) -> int:
    client = imap(server)
    try:
        if not client.folder_exists(folder):
            return 0
        return int(client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"])
    finally:
        client.logout()


def corpus(name: str) -> bytes:
    return (CORPUS / f"{name}.eml").read_bytes()


def hostile(message_id: bytes = b"<nul-subject-1@acme.fr>") -> bytes:
    raw = corpus("01-fr-plain-valid")
    raw = raw.replace(b"Message-ID: <20260310101201.AB12@acme.fr>", b"Message-ID: " + message_id)
    return raw.replace(b"Subject: Contestation facture FX-2026-000001",
                       b"Subject: =?utf-8?q?Contestation=00_facture?= FX-2026-000001")


def test_a_message_the_guard_refuses_is_quarantined_with_its_reason_and_the_chunk_goes_on(
    client: TestClient, dovecot: dovecot_server.Dovecot
) -> None:
    post(client, "/v1/admin/customers", customer("acme"))
    cases = client.app.state.container.cases  # type: ignore[attr-defined]
    poller = MailboxPoller(MailboxConfig.from_url(dovecot.url), cases)
    # A clean dispute, the hostile one between, an out-of-office: one chunk.
    deliver(dovecot, corpus("01-fr-plain-valid"), hostile(), corpus("50-fr-out-of-office"))
    result = poller.poll_once()
    assert (result.seen, result.recorded, result.moved, result.quarantined) == (3, 2, 2, 1)
    assert [count(dovecot, f) for f in ("INBOX", "Processed", "Quarantine")] == [0, 2, 1]  # moved, never deleted
    assert client.get("/health").status_code == 200  # the projector is not stopped
    listed = get(client, "/v1/admin/disputes")["cases"]
    assert sorted(c["message_id"] for c in listed) == ["20260310101201.AB12@acme.fr", "ooo-0303@acme.fr"]
    quarantine = get(client, "/v1/admin/disputes/quarantine")["messages"]
    assert len(quarantine) == 1
    entry = quarantine[0]
    assert (entry["message_id"], entry["sender"], entry["field"]) == (
        "nul-subject-1@acme.fr", "compta@acme.fr", "assessment.subject")
    # The subject made safe: the NUL shown as the six characters \u0000, readable and storable.
    assert entry["subject"] == "Contestation\\u0000 facture FX-2026-000001"
    assert "control character (U+0000)" in entry["reason"]
    assert entry["size"] >= len(hostile())  # as fetched (the server may give line ends as CRLF)
    assert entry["received_at"]
    # The same message delivered again (a poller that crashed before its move): one record, moved again.
    deliver(dovecot, hostile())
    again = poller.poll_once()
    assert (again.seen, again.recorded, again.quarantined) == (1, 0, 1)
    assert [count(dovecot, f) for f in ("INBOX", "Processed", "Quarantine")] == [0, 2, 2]
    assert len(get(client, "/v1/admin/disputes/quarantine")["messages"]) == 1


def test_any_other_failure_of_one_message_quarantines_it_and_the_rest_is_recorded(
    client: TestClient, dovecot: dovecot_server.Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the parser on one message (simulated: it raises on that message) never stops the chunk."""
    post(client, "/v1/admin/customers", customer("acme"))
    real_parse = case_intake.parse_message

    def parse(raw: bytes, now: object) -> object:
        if b"ooo-0303@acme.fr" in raw:
            raise RuntimeError("the parser broke on this one")
        return real_parse(raw, now)  # type: ignore[arg-type]

    monkeypatch.setattr(case_intake, "parse_message", parse)
    cases = client.app.state.container.cases  # type: ignore[attr-defined]
    deliver(dovecot, corpus("50-fr-out-of-office"), corpus("01-fr-plain-valid"))
    result = MailboxPoller(MailboxConfig.from_url(dovecot.url), cases).poll_once()
    assert (result.seen, result.recorded, result.quarantined) == (2, 1, 1)
    assert [count(dovecot, f) for f in ("INBOX", "Processed", "Quarantine")] == [0, 1, 1]
    [entry] = get(client, "/v1/admin/disputes/quarantine")["messages"]
    assert entry["reason"] == "RuntimeError: the parser broke on this one"
    assert (entry["field"], entry["message_id"], entry["subject"]) == (None, "", "")  # not parsed: nothing known
    assert [c["message_id"] for c in get(client, "/v1/admin/disputes")["cases"]] == ["20260310101201.AB12@acme.fr"]
