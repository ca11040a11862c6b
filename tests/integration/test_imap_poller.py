"""The IMAP poller against a real, private Dovecot (tests/support/dovecot_server.py), on SQLite and PostgreSQL.

Processed messages are moved to the processed folder, never deleted; a restart or a second poller
never makes a second case (the case id is uuid5 of the Message-ID).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from imapclient import IMAPClient
from support import dovecot_server
from support.api_helpers import ADMIN, at, close_february, get, post
from support.factories import GRID_2026_A, contract, customer, usage_events
from typer.testing import CliRunner

from billing.cli import app as cli_app
from billing.mail.imap import MailboxConfig, MailboxPoller

pytestmark = pytest.mark.skipif(not dovecot_server.available(), reason="dovecot-imapd missing: scripts/ensure-dovecot")

CORPUS = Path(__file__).parents[1] / "data" / "mail"


@pytest.fixture
def dovecot() -> Iterator[dovecot_server.Dovecot]:
    # Not under pytest's tmp_path: its parents are private to this user, and Dovecot's auth and mail
    # processes run as the dovecot user when the tests run as root.
    root = Path(tempfile.mkdtemp(prefix="billing-dovecot-"))
    server = dovecot_server.start(root)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def imap(server: dovecot_server.Dovecot) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False)
    client.login(server.user, server.password)
    return client


def deliver(server: dovecot_server.Dovecot, *names: str) -> None:
    client = imap(server)
    for name in names:
        client.append("INBOX", (CORPUS / f"{name}.eml").read_bytes())
    client.logout()


def count(server: dovecot_server.Dovecot, folder: str) -> int:
    client = imap(server)
    try:
        if not client.folder_exists(folder):
            return 0
        return int(client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"])
    finally:
        client.logout()


def with_invoice(client: TestClient, clock: object) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    assert client.post("/v1/usage", json={"events": usage_events("acme", 5000, credits=7)}, headers=ADMIN).status_code < 300
    close_february(client, clock)  # type: ignore[arg-type]
    at(clock, "2026-03-25", hour=9)  # type: ignore[arg-type]


def test_poll_records_moves_and_never_duplicates(client: TestClient, clock: object, dovecot: dovecot_server.Dovecot) -> None:
    with_invoice(client, clock)
    cases = client.app.state.container.cases  # type: ignore[attr-defined]
    poller = MailboxPoller(MailboxConfig.from_url(dovecot.url), cases)
    # A valid dispute, the same message delivered twice, an out-of-office, a late dispute.
    deliver(dovecot, "01-fr-plain-valid", "01-fr-plain-valid", "50-fr-out-of-office", "20-fr-late")
    result = poller.poll_once()
    assert (result.seen, result.recorded, result.moved) == (4, 4, 4)
    assert (count(dovecot, "INBOX"), count(dovecot, "Processed")) == (0, 4)  # moved, not deleted
    listed = get(client, "/v1/admin/disputes")["cases"]
    assert sorted(c["kind"] for c in listed) == ["dispute", "dispute", "other"]  # 3 Message-IDs, 3 cases
    assert get(client, "/v1/invoices/FX-2026-000001")["status"] == "disputed"

    # A crash after recording but before the move leaves the message in the inbox: the restarted
    # poller records it again and finds the same case.
    deliver(dovecot, "01-fr-plain-valid")
    restarted = MailboxPoller(MailboxConfig.from_url(dovecot.url), cases).poll_once()
    assert (restarted.seen, restarted.recorded, restarted.moved) == (1, 1, 1)
    assert len(get(client, "/v1/admin/disputes")["cases"]) == 3
    # Two pollers at the same time, on redelivered messages and a new one: they take turns.
    deliver(dovecot, "01-fr-plain-valid", "20-fr-late", "07-fr-reply-with-quoted-history")
    pollers = [MailboxPoller(MailboxConfig.from_url(dovecot.url), cases) for _ in range(2)]
    errors: list[BaseException] = []
    results = []

    def run(p: MailboxPoller) -> None:
        try:
            results.append(p.poll_once())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in pollers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.moved for r in results) == 3
    if any(r.skipped for r in results):  # the second waited for its turn; poll again as its next turn would
        MailboxPoller(MailboxConfig.from_url(dovecot.url), cases).poll_once()
    assert (count(dovecot, "INBOX"), count(dovecot, "Processed")) == (0, 8)  # 4 + 1 + 3, none lost, none doubled
    listed = get(client, "/v1/admin/disputes")["cases"]
    assert len(listed) == 4  # only 07 is new
    assert len({c["message_id"] for c in listed}) == 4


def test_billing_mail_poll_cli(client: TestClient, clock: object, dovecot: dovecot_server.Dovecot,
                               monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    container = client.app.state.container  # type: ignore[attr-defined]
    settings = container.settings
    deliver(dovecot, "40-fr-termination-end-of-period", "54-fr-html-newsletter")
    monkeypatch.setenv("BILLING_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BILLING_IMAP_URL", dovecot.url)
    monkeypatch.setenv("BILLING_STORAGE_DIR", str(settings.storage_dir))
    monkeypatch.setenv("BILLING_AUTO_MIGRATE", "false")
    result = CliRunner().invoke(cli_app, ["mail", "poll"])
    assert result.exit_code == 0, result.output
    # the termination is open (acknowledged at once: no SMTP, so written to var/outbox), the newsletter filed
    assert "2 messages seen, 2 recorded, 2 moved" in result.output and "1 acknowledgments sent" in result.output
    assert (count(dovecot, "INBOX"), count(dovecot, "Processed")) == (0, 2)
    container.projector.catch_up()
    kinds = sorted((c["kind"], c["status"]) for c in get(client, "/v1/admin/disputes")["cases"])
    assert kinds == [("other", "filed"), ("termination", "acknowledged")]
    outbox = Path(settings.storage_dir).parent / "outbox"
    assert len(list(outbox.glob("ack-*.eml"))) == 1
