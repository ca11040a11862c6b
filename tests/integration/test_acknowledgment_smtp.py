"""Acknowledgments go out by SMTP when BILLING_SMTP_URL is set: a real aiosmtpd server in the test."""

from __future__ import annotations

import base64
import email
import email.policy
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post
from support.dovecot_server import free_port
from support.factories import GRID_2026_A, contract, customer

from billing.mail.acknowledgments import acknowledgment
from billing.settings import Settings
from ledger.clock import FixedClock

CORPUS = Path(__file__).parents[1] / "data" / "mail"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def settings(settings: Settings, smtp: tuple[Inbox, int]) -> Settings:
    return settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{smtp[1]}"})


def test_the_acknowledgment_is_sent_by_smtp_before_its_deadline(
    client: TestClient, clock: FixedClock, smtp: tuple[Inbox, int]
) -> None:
    inbox, _port = smtp
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    at(clock, "2026-04-01", hour=10)
    raw = (CORPUS / "41-en-early-termination.eml").read_bytes().replace(b"ap@globex.com", b"ap@acme.fr")
    response = client.post("/v1/admin/disputes/emails", content=raw, headers={**ADMIN, "Content-Type": "message/rfc822"})
    assert response.status_code == 201, response.text
    case = response.json()
    # received Thu 2 April 16:00: acknowledge by Fri 3 April; the job sends it at once (clock: 1 April 10:00 here)
    assert case["acknowledge_by"] == "2026-04-03"
    deadline = time.monotonic() + 30
    while not inbox.messages:
        assert time.monotonic() < deadline, "no acknowledgment sent"
        time.sleep(0.05)
    mail_from, rcpt, content = inbox.messages[0]
    assert (mail_from, rcpt) == ("compta@flexio.fr", ["ap@acme.fr"])
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message["Subject"] == f"Acknowledgment of your termination request [{case['case']}]"  # written in English
    assert message["In-Reply-To"] == "<term-early-0402@globex.com>"
    while get(client, f"/v1/admin/disputes/{case['case']}")["acknowledged_at"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(inbox.messages) == 1


def b64_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def test_a_display_name_holding_crlf_and_bcc_gets_one_acknowledgment_to_the_from_address(
    client: TestClient, clock: FixedClock, smtp: tuple[Inbox, int]
) -> None:
    # Before: the decoded display name "Évelyne\r\nBcc: victim@evil.example" made the sender
    # victim@evil.example, and the acknowledgment of acme's termination went there.
    inbox, _port = smtp
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    at(clock, "2026-04-01", hour=10)
    hostile = b64_word("Évelyne\r\nBcc: victim@evil.example\r\nX-Injected: yes")
    raw = (CORPUS / "41-en-early-termination.eml").read_bytes().replace(
        b"From: ap@globex.com", f"From: {hostile} <ap@acme.fr>".encode())
    response = client.post("/v1/admin/disputes/emails", content=raw, headers={**ADMIN, "Content-Type": "message/rfc822"})
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["kind"], case["account"], case["sender"]) == ("termination", "acme", "ap@acme.fr")
    deadline = time.monotonic() + 30
    while get(client, f"/v1/admin/disputes/{case['case']}")["acknowledged_at"] is None:
        assert time.monotonic() < deadline, "no acknowledgment sent"
        time.sleep(0.05)
    assert len(inbox.messages) == 1
    mail_from, rcpt, content = inbox.messages[0]
    assert (mail_from, rcpt) == ("compta@flexio.fr", ["ap@acme.fr"])  # exactly one recipient
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message.get_all("To") == ["ap@acme.fr"]
    assert message["Bcc"] is None and message["X-Injected"] is None and b"victim" not in content


def test_an_acknowledgment_is_built_for_one_address_only() -> None:
    view = {"kind": "dispute", "sender": "compta@acme.fr", "case": "c-1", "message_id": "m@acme.fr",
            "invoice": "FX-2026-000001", "received_at": "2026-03-10T10:12:45+01:00", "answer_by": "2026-03-17"}
    message = acknowledgment(view, "fr", "Tue, 10 Mar 2026 11:00:00 +0100")
    assert (message.get_all("To"), message["In-Reply-To"]) == (["compta@acme.fr"], "<m@acme.fr>")
    for sender in ("compta@acme.fr, victim@evil.example", "compta@acme.fr\r\nBcc: victim@evil.example",
                   "Compta <compta@acme.fr>", "compta@acme.fr\nX: y", " compta@acme.fr", "", "compta"):
        with pytest.raises(ValueError):
            acknowledgment({**view, "sender": sender}, "fr", "Tue, 10 Mar 2026 11:00:00 +0100")
    # an id no header can carry (a NEL is a line break for the email package): no In-Reply-To, no crash
    assert acknowledgment({**view, "message_id": "m\x85x@acme.fr"}, "fr", "x")["In-Reply-To"] is None
