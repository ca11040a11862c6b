"""Dependencies of the routes, as Annotated aliases in one place (STYLE.md)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from billing.bootstrap import Container
from billing.services.tokens import Principal
from ledger.errors import NotFound

_TOKEN_RE = re.compile(r"[!-~]{1,256}", re.ASCII)
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_principal(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    if not _TOKEN_RE.fullmatch(credentials.credentials):
        # Our tokens are URL-safe ASCII; anything else (non-ASCII, spaces, 5 kB) is no token of ours.
        raise HTTPException(401, "malformed bearer token", headers={"WWW-Authenticate": "Bearer"})
    principal = container.tokens.authenticate(credentials.credentials)
    if principal is None:
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_admin(principal: PrincipalDep) -> Principal:
    if principal.role != "admin":
        raise HTTPException(403, "this endpoint is for finance (admin) tokens")
    return principal


def require_ingest(principal: PrincipalDep) -> Principal:
    if principal.role not in ("admin", "ingest"):
        raise HTTPException(403, "usage is reported with an ingest or admin token")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
IngestDep = Annotated[Principal, Depends(require_ingest)]


def require_reader(principal: PrincipalDep) -> Principal:
    """Invoices are for finance and customers: an ingest token only reports usage (403)."""
    if principal.role not in ("admin", "customer"):
        raise HTTPException(403, "this endpoint is for finance (admin) and customer tokens")
    return principal


ReaderDep = Annotated[Principal, Depends(require_reader)]


def ensure_may_see(principal: Principal, account: str, not_found: str = "not found") -> None:
    """A customer asking for another account's resource gets the very 404 of a resource that does
    not exist (same code, message and details), so it learns nothing (API.md "Auth")."""
    if not principal.may_see(account):
        raise NotFound(not_found)
