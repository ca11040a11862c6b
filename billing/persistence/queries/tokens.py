"""The ``api_tokens`` table (``billing.services.tokens.TokenStore``): tokens kept by their SHA-256.

Not a projection: the token store is read and written by the token service alone. Authentication
joins the ``accounts`` read model for the end of service (§9).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from billing.persistence import tables as t
from billing.services.tokens import StoredToken, TokenHolder
from ledger.clock import PARIS


def stored_instant(value: datetime) -> datetime:
    """An instant read back from a ``DateTime(timezone=True)`` column, with its offset, in Paris time.

    PostgreSQL gives it back aware; SQLite keeps the text without offset, so instants are written in
    UTC (``add``) and a naive one read back is UTC. Shown in Paris time like every other instant.
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(PARIS)


class SqlTokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def holder(self, token_hash: str) -> TokenHolder | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.api_tokens.c.role, t.api_tokens.c.account, t.accounts.c.service_end)
                .select_from(t.api_tokens.outerjoin(t.accounts, t.accounts.c.account == t.api_tokens.c.account))
                .where(t.api_tokens.c.token_hash == token_hash, t.api_tokens.c.revoked_at.is_(None))
            ).first()
        return None if row is None else TokenHolder(row.role, row.account, row.service_end)

    def tokens(self) -> list[StoredToken]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.api_tokens).order_by(t.api_tokens.c.created_at)).all()
        return [StoredToken(row.id, row.role, row.account, stored_instant(row.created_at), row.revoked_at is not None)
                for row in rows]

    def revoke(self, token_id: str, at: datetime) -> bool:
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(t.api_tokens)
                .where(t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=at.astimezone(UTC))
            ).rowcount
            if changed:
                return True
            return conn.execute(select(t.api_tokens.c.id).where(t.api_tokens.c.id == token_id)).first() is not None

    def account_exists(self, account: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.accounts.c.account).where(t.accounts.c.account == account)).first() is not None

    def add(self, token_id: str, token_hash: str, role: str, account: str | None, created_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.api_tokens).values(
                    token_hash=token_hash, role=role, account=account, created_at=created_at.astimezone(UTC),
                    id=token_id
                )
            )
