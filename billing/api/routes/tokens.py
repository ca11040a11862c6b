"""API tokens: create, list and revoke (API.md "Auth")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from billing.api.deps import AdminDep, TokensDep
from billing.api.schemas import TokenIn, TokenList, TokenOut

router = APIRouter(prefix="/v1/admin")


@router.post("/tokens", status_code=201, response_model=TokenOut, tags=["auth"])
def create_token(body: TokenIn, tokens: TokensDep, _: AdminDep, response: Response) -> dict[str, str]:
    """Create an API token (shown once; only its hash is kept).

    ``Cache-Control: no-store``: no cache keeps the secret, nor the Idempotency-Key store (a retry
    with the same key is a 409 naming the token's id, billing/api/idempotency.py).
    """
    response.headers["Cache-Control"] = "no-store"
    return tokens.create(body.role, body.account)


@router.get("/tokens", response_model=TokenList, tags=["auth"])
def list_tokens(tokens: TokensDep, _: AdminDep) -> dict[str, Any]:
    """Every token made through the API, without its secret."""
    return {"tokens": tokens.list()}


@router.delete("/tokens/{token_id}", status_code=204, tags=["auth"])
def revoke_token(token_id: str, tokens: TokensDep, _: AdminDep) -> Response:
    """Revoke a token: from now on it is answered 401."""
    tokens.revoke(token_id)
    return Response(status_code=204)
