"""API tokens (API.md "Auth"): the bootstrap admin token from settings, others stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from ledger.clock import Clock, today
from ledger.errors import InvalidInput, NotFound
from ledger.identifiers import validate_account_id

ROLES = ("admin", "ingest", "customer")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, and for ``customer`` the one account it may see."""

    role: str
    account: str | None = None

    def may_see(self, account: str) -> bool:
        return self.role == "admin" or (self.role == "customer" and self.account == account)


@dataclass(frozen=True)
class TokenHolder:
    """What an unrevoked token grants, with the end of service of its account (if any)."""

    role: str
    account: str | None
    service_end: date | None


@dataclass(frozen=True)
class StoredToken:
    id: str
    role: str
    account: str | None
    created_at: datetime  # aware, in Paris time (the store adds the offset SQLite drops)
    revoked: bool


class TokenStore(Protocol):
    """The stored tokens, by SHA-256 (``billing/persistence/queries/tokens.py``); never the secret."""

    def holder(self, token_hash: str) -> TokenHolder | None:
        """The unrevoked token of that hash, or None."""

    def tokens(self) -> list[StoredToken]:
        """Every stored token, oldest first."""

    def revoke(self, token_id: str, at: datetime) -> bool:
        """Revoke the token at ``at`` unless it already is; False when no token has that id."""

    def account_exists(self, account: str) -> bool: ...

    def add(self, token_id: str, token_hash: str, role: str, account: str | None, created_at: datetime) -> None: ...


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(self, store: TokenStore, clock: Clock, admin_token: str) -> None:
        self.store = store
        self.clock = clock
        self.admin_token = admin_token

    def authenticate(self, token: str) -> Principal | None:
        """The caller of a token, or None: unknown, revoked, or a customer whose access has closed
        (after the last day of service of a terminated contract, BILLING_RULES §9)."""
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Principal("admin")
        row = self.store.holder(_hash(token))
        if row is None:
            return None
        if row.role == "customer" and row.service_end is not None and today(self.clock) > row.service_end:
            return None  # §9: customer access closes on the last day of service
        return Principal(row.role, row.account)

    def is_admin_token(self, token: str) -> bool:
        """Whether this token signs finance in (the console's sign-in, issue 23)."""
        principal = self.authenticate(token)
        return principal is not None and principal.role == "admin"

    def list(self) -> list[dict[str, Any]]:
        """Every stored token, without its secret (API.md "Auth")."""
        return [
            {
                "id": row.id,
                "role": row.role,
                "account": row.account,
                "created_at": row.created_at.isoformat(),
                "revoked": row.revoked,
            }
            for row in self.store.tokens()
        ]

    def revoke(self, token_id: str) -> None:
        """Revoke a token: from now on it is a 401. Revoking twice is harmless."""
        if not self.store.revoke(token_id, self.clock.now()):
            raise NotFound(f"token {token_id!r} not found", field="id")

    def create(self, role: str, account: str | None) -> dict[str, str]:
        """A new random token; only its SHA-256 is kept, so a leaked table leaks no token."""
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
        if role == "customer":
            if not account:
                raise InvalidInput("a customer token is bound to an account", field="account")
            validate_account_id(account)
            if not self.store.account_exists(account):
                raise NotFound(f"unknown account {account!r}", field="account")
        elif account:
            raise InvalidInput("only customer tokens are bound to an account", field="account")
        token = secrets.token_urlsafe(32)
        token_id = uuid.uuid4().hex
        self.store.add(token_id, _hash(token), role, account, self.clock.now())
        return {"id": token_id, "token": token}
