"""Sign-in for the pages (issue 23): one-time links mailed to the billing email, then sessions.

The portal (``/portal/``) signs a customer in by a link sent to the account's billing email: single
use, valid 15 minutes, at most ``LINKS_PER_WINDOW`` links an account in 15 minutes, and never logged.
The console (``/console/``) turns an admin token into a session. Only SHA-256 digests of the link and
session secrets are stored (no secret at rest); the CSRF token of a session's forms is derived from
its secret, so it is not stored either. Sessions are revocable one by one or all of an account's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from invoices.retention import access_open
from ledger.clock import Clock, today

LINK_LIFETIME = timedelta(minutes=15)
LINK_WINDOW = timedelta(minutes=15)
LINKS_PER_WINDOW = 3  # a fourth request within 15 minutes sends nothing (rate limit)
SESSION_LIFETIME = timedelta(hours=8)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_of(secret: str) -> str:
    """The CSRF token of a session's forms: derived from the cookie's secret, never stored."""
    return hashlib.sha256(b"csrf:" + secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PageSession:
    id: str
    role: str  # customer | admin
    account: str | None
    csrf: str
    service_end: date | None = None


@dataclass(frozen=True)
class StoredSession:
    id: str
    role: str
    account: str | None
    created_at: datetime
    expires_at: datetime
    revoked: bool


class SessionStore(Protocol):
    """Links and sessions by their SHA-256 (``billing/persistence/queries/pages.py``)."""

    def accounts_with_email(self, email: str) -> list[tuple[str, date | None]]: ...

    def links_since(self, account: str, since: datetime) -> int: ...

    def add_link(self, link_hash: str, account: str, created_at: datetime, expires_at: datetime) -> None: ...

    def use_link(self, link_hash: str, now: datetime) -> str | None:
        """Mark an unused, unexpired link used and return its account (atomic: single use)."""
        ...

    def add_session(self, session_hash: str, session_id: str, role: str, account: str | None,
                    created_at: datetime, expires_at: datetime) -> None: ...

    def session(self, session_hash: str, now: datetime) -> tuple[str, str, str | None, date | None] | None: ...

    def revoke(self, session_id: str, now: datetime) -> bool: ...

    def revoke_account(self, account: str, now: datetime) -> int: ...

    def sessions(self, account: str | None) -> list[StoredSession]: ...


class PageSessionService:
    def __init__(self, store: SessionStore, clock: Clock, send_mail: Callable[[EmailMessage], str],
                 authenticate_admin: Callable[[str], bool], sender: str) -> None:
        self.store = store
        self.clock = clock
        self.send_mail = send_mail
        self.authenticate_admin = authenticate_admin
        self.sender = sender

    def request_link(self, email: str, link_base: str) -> int:
        """Mail a sign-in link to each open account billed at ``email``; returns how many were sent.

        The page says the same whatever the answer (no way to learn which addresses are known).
        """
        now = self.clock.now()
        sent = 0
        address = email.strip()
        if not address or len(address) > 254 or "\n" in address or "\r" in address:
            return 0
        for account, service_end in self.store.accounts_with_email(address):
            if not access_open(today(self.clock), service_end):
                continue  # §9: access closes on the last day of service
            if self.store.links_since(account, now - LINK_WINDOW) >= LINKS_PER_WINDOW:
                continue  # rate limit
            secret = secrets.token_urlsafe(32)
            self.store.add_link(digest(secret), account, now, now + LINK_LIFETIME)
            self.send_mail(self._link_mail(address, account, f"{link_base}?jeton={secret}"))
            sent += 1
        return sent

    def _link_mail(self, to: str, account: str, link: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = "Votre lien de connexion à l'espace client FLEXIO"
        message["Message-ID"] = make_msgid(domain="flexio.fr")
        message.set_content(
            f"Bonjour,\n\nPour ouvrir l'espace client du compte {account}, suivez ce lien "
            f"(valable 15 minutes, une seule fois) :\n\n{link}\n\n"
            "Si vous n'avez rien demandé, ignorez ce message.\n\nFLEXIO — compta@flexio.fr\n"
        )
        return message

    def sign_in_with_link(self, secret: str) -> tuple[str, PageSession] | None:
        """Use a link once: a new customer session (cookie secret, session), or None."""
        if not secret or len(secret) > 128:
            return None
        account = self.store.use_link(digest(secret), self.clock.now())
        if account is None:
            return None
        return self._open("customer", account)

    def sign_in_admin(self, token: str) -> tuple[str, PageSession] | None:
        if not token or len(token) > 256 or not self.authenticate_admin(token):
            return None
        return self._open("admin", None)

    def _open(self, role: str, account: str | None) -> tuple[str, PageSession]:
        secret = secrets.token_urlsafe(32)
        session_id = uuid.uuid4().hex
        now = self.clock.now()
        self.store.add_session(digest(secret), session_id, role, account, now, now + SESSION_LIFETIME)
        return secret, PageSession(session_id, role, account, csrf_of(secret))

    def session(self, secret: str | None, role: str) -> PageSession | None:
        """The live session of this cookie for this role, or None (expired, revoked, service ended)."""
        if not secret or len(secret) > 128:
            return None
        found = self.store.session(digest(secret), self.clock.now())
        if found is None:
            return None
        session_id, found_role, account, service_end = found
        if found_role != role:
            return None
        if role == "customer" and not access_open(today(self.clock), service_end):
            return None  # §9: access closes on the last day of service
        return PageSession(session_id, found_role, account, csrf_of(secret), service_end)

    @staticmethod
    def csrf_ok(session: PageSession, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(session.csrf, token)

    def sign_out(self, session: PageSession) -> None:
        self.store.revoke(session.id, self.clock.now())

    def revoke(self, session_id: str) -> bool:
        return self.store.revoke(session_id, self.clock.now())

    def revoke_account(self, account: str) -> int:
        return self.store.revoke_account(account, self.clock.now())

    def sessions(self, account: str | None = None) -> list[StoredSession]:
        return self.store.sessions(account)
