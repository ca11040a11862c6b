"""One place that maps errors to API.md's format: {"error": {"code", "message", "details"}}.

Issue 17: ``Unavailable`` is a 503 with ``Retry-After``, and so is the database being away: the
connection errors of SQLAlchemy, psycopg, sqlite3 and eventsourcing (refused, terminated, pool
exhausted) are recognised here, by :func:`database_away`, wherever they are raised (a route, the
Idempotency-Key lookup): never a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing.api.fields import PATTERN_MESSAGES
from billing.runtime.database_errors import database_away
from ledger.errors import BillingError, Conflict, InvalidInput, NotFound, Unavailable

log = logging.getLogger(__name__)

STATUS = {InvalidInput: 422, NotFound: 404, Conflict: 409, Unavailable: 503}

# Retry-After (seconds) of a 503 for the database away: a restart or failover takes seconds.
DATABASE_RETRY_AFTER = 5


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def field_error_body(code: str, message: str, field: str) -> dict[str, Any]:
    """An error about one field, in the details shape every 4xx naming a field has."""
    return error_body(code, message, invalid_details([{"field": field, "message": message}]))


def _status_of(exc: BillingError) -> int:
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


async def billing_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BillingError)
    details: Any = exc.details
    if exc.field is not None:
        fields = [{"field": exc.field, "message": exc.message}]
        details = invalid_details(fields, **({"items": details} if details is not None else {}))
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Unavailable) else None
    return JSONResponse(error_body(exc.code, exc.message, details), status_code=_status_of(exc), headers=headers)


def unavailable_body(exc: BaseException) -> dict[str, Any]:
    return error_body(
        "unavailable",
        "the database cannot be reached; nothing was changed by this request unless a retry with the "
        "same Idempotency-Key says so",
        {"reason": "database_unreachable", "error": type(exc).__name__},
    )


class DatabaseAwayGuard:
    """503 + Retry-After instead of a 500 for a request the database's absence broke (issue 17).

    An ASGI middleware outside the Idempotency-Key middleware, so its lookup is covered too; an
    error that is not the database's, or one raised after the answer started, goes on unchanged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started or not database_away(exc):
                raise
            log.warning("database unreachable during %s %s: %s", scope.get("method"), scope.get("path"), exc)
            payload = json.dumps(unavailable_body(exc)).encode()
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                (b"retry-after", str(DATABASE_RETRY_AFTER).encode()),
            ]})
            await send({"type": "http.response.body", "body": payload})


def invalid_details(fields: list[dict[str, str]], **more: Any) -> dict[str, Any]:
    """The one shape of a 422's details: the first offending ``field``, every ``fields`` entry with its
    message, and whatever the rule adds (``items``…)."""
    return {"field": fields[0]["field"] if fields else None, "fields": fields, **more}


def _field_message(err: Any) -> str:
    """pydantic's message in the user's terms: a pattern is said as what it accepts, never as a regex."""
    if err.get("type") == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern", "")
        return PATTERN_MESSAGES.get(pattern, "is not in the expected format")
    return str(err["msg"])


def _json_position(body: bytes, offset: int) -> str:
    """Line and column (from 1) of a character offset in the request body."""
    before = body[:offset].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return f"line {line}, column {column}"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    syntax = next((err for err in errors if err.get("type") == "json_invalid"), None)
    if syntax is not None:
        # A JSON syntax error says where it is (issue 19.6), not only "JSON decode error" at offset 56.
        offset = next((p for p in syntax["loc"] if isinstance(p, int)), 0)
        reason = (syntax.get("ctx") or {}).get("error", "invalid JSON")
        message = f"the body is not valid JSON at {_json_position(await request.body(), offset)}: {reason}"
        fields = [{"field": "body", "message": message}]
        return JSONResponse(error_body("invalid", message, invalid_details(fields)), status_code=422)
    fields = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body") or "body", "message": _field_message(err)}
        for err in errors
    ]
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return JSONResponse(error_body("invalid", message, invalid_details(fields)), status_code=422)


async def http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's "There was an error parsing the body" (not JSON, bad encoding, nested too deep):
        # invalid input like any other, so a 422 naming the body (API.md "Errors").
        fields = [{"field": "body", "message": str(exc.detail)}]
        return JSONResponse(error_body("invalid", f"body: {exc.detail}", invalid_details(fields)), status_code=422)
    codes = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    return JSONResponse(
        error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BillingError, billing_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
