"""The FastAPI application: built by :func:`create_app`; the container is built in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from billing.api.docs import install_docs
from billing.api.errors import DatabaseAwayGuard, install_error_handlers
from billing.api.guards import ControlCharacterGuard
from billing.api.idempotency import IdempotencyMiddleware
from billing.api.routes import audit as audit_routes
from billing.api.routes import (
    corrections,
    customers,
    directory,
    disputes,
    documents,
    invoicing,
    late_payment_rates,
    price_grids,
    projection,
    service_levels,
    signals,
    tokens,
    usage,
    vat_rates,
)
from billing.api.routes import exports as export_routes
from billing.api.routes import pa as pa_routes
from billing.api.routes import payments as payment_routes
from billing.api.routes import receivables as receivable_routes
from billing.api.schemas import ERROR_RESPONSES, HealthOut, ProjectionState
from billing.bootstrap import Container, bootstrap

DESCRIPTION = """Usage metering and billing of FLEXIO: an event-sourced ledger, monthly invoices in
arrears, gapless numbering. Every endpoint but `/health` needs `Authorization: Bearer <token>`.
Errors are `{"error": {"code", "message", "details"}}`."""


def create_app(container_factory: Callable[[], Container] | None = None, *, background: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = container_factory() if container_factory else bootstrap()
        container.start(projection=background)
        app.state.container = container
        try:
            yield
        finally:
            container.close()

    app = FastAPI(title="Flexio Billing", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(ControlCharacterGuard)  # before the idempotency lookup
    app.add_middleware(DatabaseAwayGuard)  # outermost: the database away is a 503, never a 500 (issue 17)
    app.openapi = lambda: _openapi_with_idempotency_key(app)  # type: ignore[method-assign]

    @app.get(
        "/health",
        tags=["health"],
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "The read-model projection is stopped"}},
    )
    def health(request: Request) -> Any:
        """Liveness and the read-model projection: 503 with the event id and error when it is stopped."""
        container = getattr(request.app.state, "container", None)
        failure = None if container is None else container.projector.failure
        if failure is None:
            return HealthOut(status="ok")
        return JSONResponse(
            HealthOut(status="degraded", projection=ProjectionState(**failure.as_dict())).model_dump(),
            status_code=503,
        )

    app.include_router(tokens.router, responses=ERROR_RESPONSES)
    app.include_router(price_grids.router, responses=ERROR_RESPONSES)
    app.include_router(customers.router, responses=ERROR_RESPONSES)
    app.include_router(directory.router, responses=ERROR_RESPONSES)  # issue 23: the console's lists
    app.include_router(usage.router, responses=ERROR_RESPONSES)
    app.include_router(documents.router, responses=ERROR_RESPONSES)  # before invoicing: /v1/invoices/{number}.pdf
    app.include_router(invoicing.router, responses=ERROR_RESPONSES)
    app.include_router(corrections.router, responses=ERROR_RESPONSES)
    app.include_router(vat_rates.router, responses=ERROR_RESPONSES)  # BILLING_RULES §4 VAT rates
    app.include_router(late_payment_rates.router, responses=ERROR_RESPONSES)  # BILLING_RULES §8, §12
    app.include_router(disputes.router, responses=ERROR_RESPONSES)
    app.include_router(service_levels.router, responses=ERROR_RESPONSES)
    app.include_router(signals.router, responses=ERROR_RESPONSES)
    app.include_router(export_routes.router, responses=ERROR_RESPONSES)
    app.include_router(payment_routes.router, responses=ERROR_RESPONSES)
    app.include_router(receivable_routes.router, responses=ERROR_RESPONSES)
    app.include_router(projection.router, responses=ERROR_RESPONSES)
    app.include_router(audit_routes.router, responses=ERROR_RESPONSES)  # issue 18
    app.include_router(pa_routes.router, responses=ERROR_RESPONSES)  # issue 22: the plateforme agréée
    from billing.web.pages import install_pages  # here: the pages call the API's route functions

    install_pages(app)  # issue 23: /portal/ and /console/
    return app


IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retries with the same key and body return the first response; another body is a 409. "
    "Kept 30 days.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"},
}


def _openapi_with_idempotency_key(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with the Idempotency-Key header (API.md "Retries") on every POST."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for path in schema.get("paths", {}).values():
        operation = path.get("post")
        if operation is not None:
            operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
    app.openapi_schema = schema
    return schema
