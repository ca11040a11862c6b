"""The IMAP poller of compta@flexio.fr (``BILLING_IMAP_URL``), with imapclient.

URL: ``imap://user:password@host:port/INBOX?processed=Processed`` (``imaps://`` for TLS). Every
message of the mailbox is recorded as a case (CaseService.record_email), THEN moved to the
processed folder: never deleted. A crash between the two leaves the message in the inbox and the
next poll records it again, which finds the same case (uuid5 of the Message-ID). Pollers sharing a
database take turns (a PostgreSQL advisory lock, or a file lock next to the SQLite database): two
IMAP sessions moving the same message would each leave a copy in the processed folder, since
Dovecot still lets a session copy a message another session has just expunged. A poller that
finds the lock taken skips its turn (``poll_turn.py``). Messages that cannot be recorded at all (an empty or oversized
message) go to the ``unreadable`` folder, still never deleted. A message whose recording fails (the event
guard refuses its case, e.g. a NUL in its Subject, or its parsing raises) is recorded as quarantined with
the reason (``GET /v1/admin/disputes/quarantine``) and moved to the ``quarantine`` folder (``Quarantine``,
``?quarantine=`` in the URL); the rest of its chunk goes on (issue 17).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from imapclient import IMAPClient

from billing.services.case_intake import MailRefused
from billing.services.cases import CaseService

log = logging.getLogger(__name__)

FETCH_CHUNK = 50


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str
    processed: str
    unreadable: str
    quarantine: str = "Quarantine"

    @classmethod
    def from_url(cls, url: str) -> MailboxConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError("BILLING_IMAP_URL must look like imap://user:password@host:port/INBOX")
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if parts.scheme == "imaps" else 143),
            ssl=parts.scheme == "imaps",
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            processed=query.get("processed", ["Processed"])[0],
            unreadable=query.get("unreadable", ["Unreadable"])[0],
            quarantine=query.get("quarantine", ["Quarantine"])[0],
        )


@dataclass
class PollResult:
    seen: int = 0
    recorded: int = 0  # cases whose view came back (new or already known)
    moved: int = 0
    unreadable: int = 0
    quarantined: int = 0  # moved to the quarantine folder, with their reason recorded
    skipped: bool = False  # another poller held the turn


class MailboxPoller:
    def __init__(self, config: MailboxConfig, cases: CaseService, timeout: float = 30) -> None:
        self.config = config
        self.cases = cases
        self.timeout = timeout

    def _connect(self) -> IMAPClient:
        client = IMAPClient(self.config.host, port=self.config.port, ssl=self.config.ssl, timeout=self.timeout)
        client.login(self.config.username, self.config.password)
        for folder in (self.config.processed, self.config.unreadable, self.config.quarantine):
            if not client.folder_exists(folder):
                try:
                    client.create_folder(folder)
                except IMAPClient.Error:  # created meanwhile by another poller
                    if not client.folder_exists(folder):
                        raise
        return client

    def _move(self, client: IMAPClient, uids: list[int], folder: str) -> int:
        """MOVE (RFC 6851) when offered, else COPY then expunge only those UIDs: the message then
        lives in ``folder``. A UID another poller already moved is simply absent."""
        if not uids:
            return 0
        try:
            if client.has_capability("MOVE"):
                client.move(uids, folder)
            else:
                client.copy(uids, folder)
                client.delete_messages(uids)
                client.uid_expunge(uids)
        except IMAPClient.Error as exc:
            log.warning("moving %d messages to %s failed (another poller?): %s", len(uids), folder, exc)
            return 0
        return len(uids)

    def _set_aside(self, uid: int, raw: bytes, refused: MailRefused) -> bool:
        """Record why the message is quarantined; True when it may be moved. If even that record
        fails, the message stays in the inbox (never lost) and the next poll tries again."""
        log.warning("message uid %s quarantined: %s", uid, refused.reason[:200])
        try:
            self.cases.quarantine(raw, refused)
        except Exception:
            log.exception("message uid %s: its quarantine could not be recorded; left in the inbox", uid)
            return False
        return True

    def poll_once(self) -> PollResult:
        with self.cases.poll_turn() as mine:
            if not mine:
                log.info("another poller is reading the mailbox: skipping this turn")
                return PollResult(skipped=True)
            return self._poll()

    def _poll(self) -> PollResult:
        result = PollResult()
        client = self._connect()
        try:
            client.select_folder(self.config.folder)
            uids: list[int] = list(client.search("ALL"))
            result.seen = len(uids)
            senders = None
            for start in range(0, len(uids), FETCH_CHUNK):
                chunk = uids[start : start + FETCH_CHUNK]
                fetched: dict[int, Any] = client.fetch(chunk, ["BODY.PEEK[]"])
                done: list[int] = []
                unreadable: list[int] = []
                if senders is None:
                    senders = self.cases.sender_directory()
                present = [(uid, bytes(fetched[uid][b"BODY[]"])) for uid in chunk if b"BODY[]" in fetched.get(uid, {})]
                views = self.cases.record_emails([raw for _uid, raw in present], senders=senders)
                quarantined: list[int] = []
                for (uid, raw), view in zip(present, views, strict=True):
                    if view is None:
                        log.warning("message uid %s cannot be recorded (empty or oversized)", uid)
                        unreadable.append(uid)
                    elif isinstance(view, MailRefused):
                        if self._set_aside(uid, raw, view):
                            quarantined.append(uid)
                    else:
                        result.recorded += 1
                        done.append(uid)
                result.moved += self._move(client, done, self.config.processed)
                result.unreadable += self._move(client, unreadable, self.config.unreadable)
                result.quarantined += self._move(client, quarantined, self.config.quarantine)
        finally:
            try:
                client.logout()
            except Exception:  # the connection may already be gone; the work is saved
                log.debug("IMAP logout failed", exc_info=True)
        return result


def poll_mailbox(url: str, cases: CaseService) -> PollResult:
    return MailboxPoller(MailboxConfig.from_url(url), cases).poll_once()
