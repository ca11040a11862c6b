"""Dependencies of the routes, as Annotated aliases in one place (STYLE.md)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from billing.bootstrap import Container
from billing.services.tokens import Principal

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


def ensure_may_see(principal: Principal, account: str) -> None:
    """A customer asking for another account's resource gets 404, not 403 (API.md "Auth")."""
    if not principal.may_see(account):
        raise HTTPException(404, "not found")
