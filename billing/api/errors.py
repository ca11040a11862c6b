"""One place that maps errors to API.md's format: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.errors import BillingError, Conflict, InvalidInput, NotFound

STATUS = {InvalidInput: 422, NotFound: 404, Conflict: 409}


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
    return JSONResponse(error_body(exc.code, exc.message, details), status_code=_status_of(exc))


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
