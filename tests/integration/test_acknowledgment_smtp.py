"""Acknowledgments go out by SMTP when BILLING_SMTP_URL is set: a real aiosmtpd server in the test."""

from __future__ import annotations

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
