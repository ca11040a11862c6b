"""API tokens (API.md "Auth"): the bootstrap admin token from settings, others stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from billing.persistence import tables as t
from ledger.clock import Clock
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


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(self, engine: Engine, clock: Clock, admin_token: str) -> None:
        self.engine = engine
        self.clock = clock
        self.admin_token = admin_token

    def authenticate(self, token: str) -> Principal | None:
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Principal("admin")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.api_tokens.c.role, t.api_tokens.c.account).where(
                    t.api_tokens.c.token_hash == _hash(token)
                )
            ).first()
        return Principal(row.role, row.account) if row else None

    def create(self, role: str, account: str | None) -> str:
        """A new random token; only its SHA-256 is kept, so a leaked table leaks no token."""
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
        if role == "customer":
            if not account:
                raise InvalidInput("a customer token is bound to an account", field="account")
            validate_account_id(account)
            with self.engine.connect() as conn:
                if conn.execute(select(t.accounts.c.account).where(t.accounts.c.account == account)).first() is None:
                    raise NotFound(f"unknown account {account!r}", field="account")
        elif account:
            raise InvalidInput("only customer tokens are bound to an account", field="account")
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.api_tokens).values(
                    token_hash=_hash(token), role=role, account=account, created_at=self.clock.now()
                )
            )
        return token
