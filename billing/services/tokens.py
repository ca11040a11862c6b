"""API tokens (API.md "Auth"): the bootstrap admin token from settings, others stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update

from billing.persistence import tables as t
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


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenService:
    def __init__(self, engine: Engine, clock: Clock, admin_token: str) -> None:
        self.engine = engine
        self.clock = clock
        self.admin_token = admin_token

    def authenticate(self, token: str) -> Principal | None:
        """The caller of a token, or None: unknown, revoked, or a customer whose access has closed
        (after the last day of service of a terminated contract, BILLING_RULES §9)."""
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Principal("admin")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.api_tokens.c.role, t.api_tokens.c.account, t.accounts.c.service_end)
                .select_from(t.api_tokens.outerjoin(t.accounts, t.accounts.c.account == t.api_tokens.c.account))
                .where(t.api_tokens.c.token_hash == _hash(token), t.api_tokens.c.revoked_at.is_(None))
            ).first()
        if row is None:
            return None
        if row.role == "customer" and row.service_end is not None and today(self.clock) > row.service_end:
            return None  # §9: customer access closes on the last day of service
        return Principal(row.role, row.account)

    def list(self) -> list[dict[str, Any]]:
        """Every stored token, without its secret (API.md "Auth")."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.api_tokens).order_by(t.api_tokens.c.created_at)).all()
        return [
            {
                "id": row.id,
                "role": row.role,
                "account": row.account,
                "created_at": row.created_at.isoformat(),
                "revoked": row.revoked_at is not None,
            }
            for row in rows
        ]

    def revoke(self, token_id: str) -> None:
        """Revoke a token: from now on it is a 401. Revoking twice is harmless."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(t.api_tokens)
                .where(t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=self.clock.now())
            ).rowcount
            if not changed:
                known = conn.execute(select(t.api_tokens.c.id).where(t.api_tokens.c.id == token_id)).first()
                if known is None:
                    raise NotFound(f"token {token_id!r} not found", field="id")

    def create(self, role: str, account: str | None) -> dict[str, str]:
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
        token_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.api_tokens).values(
                    token_hash=_hash(token), role=role, account=account, created_at=self.clock.now(), id=token_id
                )
            )
        return {"id": token_id, "token": token}
