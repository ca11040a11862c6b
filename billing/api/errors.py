"""One place that maps errors to API.md's format: {"error": {"code", "message", "details"}}.

Issue 17: ``Unavailable`` is a 503 with ``Retry-After``, and so is the database being away: the
connection errors of SQLAlchemy, psycopg, sqlite3 and eventsourcing (refused, terminated, pool
exhausted) are recognised here, by :func:`database_away`, wherever they are raised (a route, the
Idempotency-Key lookup): never a 500.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

import eventsourcing.persistence as es
import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.errors import BillingError, Conflict, InvalidInput, NotFound, Unavailable

log = logging.getLogger(__name__)

STATUS = {InvalidInput: 422, NotFound: 404, Conflict: 409, Unavailable: 503}

# Retry-After (seconds) of a 503 for the database away: a restart or failover takes seconds.
DATABASE_RETRY_AFTER = 5
# The driver-level errors of a database that cannot be reached or dropped the connection.
# (psycopg_pool.PoolTimeout is a psycopg.OperationalError; eventsourcing re-raises psycopg's as its own.)
_AWAY_TYPES: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    es.OperationalError,
    es.InterfaceError,
    es.ConnectionUnavailableError,
)
# SQLAlchemy's own wrappers, told by name: the API does not import SQLAlchemy (import-linter).
# TimeoutError is QueuePool's "QueuePool limit ... reached, connection timed out".
_AWAY_SQLALCHEMY = {"OperationalError", "InterfaceError", "TimeoutError", "DisconnectionError"}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _status_of(exc: BillingError) -> int:
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


async def billing_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BillingError)
    details: Any = exc.details
    if exc.field is not None:
        details = {"field": exc.field, **({"items": details} if details is not None else {})}
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Unavailable) else None
    return JSONResponse(error_body(exc.code, exc.message, details), status_code=_status_of(exc), headers=headers)


def database_away(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the database cannot be reached or dropped us."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _AWAY_TYPES):
            return True
        kind = type(current)
        if kind.__module__ == "sqlalchemy.exc" and kind.__name__ in _AWAY_SQLALCHEMY:
            return True
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError keeps the driver's error here
        stack.extend([orig if isinstance(orig, BaseException) else None, current.__cause__, current.__context__])
    return False


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


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
        for err in exc.errors()
    ]
    message = "; ".join(f"{f['field'] or 'body'}: {f['message']}" for f in fields[:5])
    return JSONResponse(error_body("invalid", message, {"fields": fields}), status_code=422)


async def http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's "There was an error parsing the body" (not JSON, bad encoding, nested too deep):
        # invalid input like any other, so a 422 naming the body (API.md "Errors").
        return JSONResponse(
            error_body("invalid", f"body: {exc.detail}", {"field": "body"}), status_code=422
        )
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
