"""Each stored invoice is mailed with its PDF to the billing email, through a real SMTP server
started by the test (aiosmtpd); with no SMTP URL the mail is written to the outbox; a failed send
is recorded and never blocks the close (issue 11 §7, art. 8 for the FLEXIO mention)."""

from __future__ import annotations

import email
import socket
import time
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, close_february, get, post
from support.factories import GRID_2026_A, contract, customer, usage_events

from billing.mail.outgoing import FLEXIO_MENTION
from billing.settings import Settings
from ledger.clock import FixedClock


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    smtp = ""
    if "inbox" in request.fixturenames:
        smtp = f"smtp://127.0.0.1:{request.getfixturevalue('inbox')[1]}"
    elif "down" in request.node.name:
        smtp = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    return settings.model_copy(update={"seller_vat_number": "FR94820015006", "sepa_creditor_id": "FR72ZZZ123456",
                                       "sepa_creditor_iban": "FR7630006000011234567890189",
                                       "smtp_url": smtp})


def two_customers_closed(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    post(client, "/v1/admin/customers", customer("discreet"))
    post(client, "/v1/admin/customers/discreet/contract", contract("2026-02-10", payment_method="transfer", mandate=None))
    post(client, "/v1/admin/customers/discreet/options", {"option": "branding_removal", "accepted_on": "2026-02-10"})
    post(client, "/v1/usage", {"events": usage_events("acme", 10)}, 200)
    close_february(client, clock)


def wait_for(predicate: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return value


def test_each_invoice_is_mailed_with_its_pdf_and_the_flexio_mention_unless_branding_is_removed(
    client: TestClient, clock: FixedClock, inbox: tuple[Inbox, int]
) -> None:
    handler, _port = inbox
    two_customers_closed(client, clock)
    wait_for(lambda: len(handler.messages) >= 2)
    by_to = {m["To"]: m for m in handler.messages}
    assert set(by_to) == {"factures@acme.fr", "factures@discreet.fr"}
    invoices = {i["account"]: i for i in get(client, "/v1/admin/invoices?month=2026-02")["invoices"]}
    for account, message in (("acme", by_to["factures@acme.fr"]), ("discreet", by_to["factures@discreet.fr"])):
        number = invoices[account]["number"]
        assert message["Subject"].startswith(f"Facture {number}")
        [attachment] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
        assert attachment.get_filename() == f"{number}.pdf"
        served = client.get(f"/v1/invoices/{number}.pdf", headers=ADMIN).content
        assert attachment.get_payload(decode=True) == served
    acme_text = by_to["factures@acme.fr"].get_payload(0).get_payload(decode=True).decode()
    discreet_text = by_to["factures@discreet.fr"].get_payload(0).get_payload(decode=True).decode()
    assert FLEXIO_MENTION in acme_text and "pré-notification" in acme_text
    assert "FLEXIO —" not in discreet_text and "flexio.fr" in discreet_text.lower()  # only compta@, no link
    assert "https://www.flexio.fr" not in discreet_text
    states = [wait_for(lambda n=i["number"]: get(client, f"/v1/admin/invoices/{n}/document")["mail"] == "sent")
              for i in invoices.values()]
    assert all(states)

    # A credit note is mailed too, naming the invoice it corrects.
    post(client, f"/v1/admin/invoices/{invoices['acme']['number']}/credit-notes", {"amount_ht": "10.00", "reason": "Geste"})
    wait_for(lambda: len(handler.messages) >= 3)
    credit_mail = handler.messages[2]
    assert credit_mail["To"] == "factures@acme.fr"
    assert credit_mail["Subject"] == f"Avoir AV-2026-000001 sur la facture {invoices['acme']['number']}"
    # 10.00 HT + 20% VAT = 12.00 TTC.
    assert "12,00 € TTC" in credit_mail.get_payload(0).get_payload(decode=True).decode()


def test_without_an_smtp_url_the_mail_is_written_to_the_outbox(
    client: TestClient, clock: FixedClock, settings: Settings
) -> None:
    two_customers_closed(client, clock)
    outbox = settings.storage_dir.parent / "outbox"
    files = wait_for(lambda: sorted(outbox.glob("*.eml")) if len(list(outbox.glob("*.eml"))) >= 2 else None)
    message = email.message_from_bytes(files[0].read_bytes())
    assert message["To"] in {"factures@acme.fr", "factures@discreet.fr"}


def test_a_mail_server_down_is_recorded_and_never_blocks_the_close(client: TestClient, clock: FixedClock) -> None:
    two_customers_closed(client, clock)  # the close finished
    [first, _second] = get(client, "/v1/admin/invoices?month=2026-02")["invoices"]
    state = wait_for(lambda: (s := get(client, f"/v1/admin/invoices/{first['number']}/document"))["mail"] and s)
    assert state["status"] == "stored" and state["mail"] == "failed"
    assert "Connection refused" in state["mail_detail"] or "Errno" in state["mail_detail"]
    assert client.get(f"/v1/invoices/{first['number']}.pdf", headers=ADMIN).status_code == 200


def test_a_mail_of_a_projected_document_does_not_catch_the_read_models_up(
    client: TestClient, clock: FixedClock, inbox: tuple[Inbox, int]
) -> None:
    # Issue 20: each of a close's mails caught every read model up before reading its PDF.
    handler, _port = inbox
    two_customers_closed(client, clock)
    wait_for(lambda: len(handler.messages) >= 2)
    container = client.app.state.container  # type: ignore[attr-defined]
    invoice = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]
    catch_ups: list[int] = []
    real_sync = container.documents.read_models.sync
    container.documents.read_models.sync = lambda: catch_ups.append(1) or real_sync()
    try:
        pdf = container.mail._stored_pdf(invoice["number"])
    finally:
        container.documents.read_models.sync = real_sync
    assert pdf == client.get(f"/v1/invoices/{invoice['number']}.pdf", headers=ADMIN).content
    assert catch_ups == []
