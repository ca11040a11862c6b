"""The FastAPI application: built by :func:`create_app`; the container is built in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from billing.api.errors import install_error_handlers
from billing.api.routes import admin, documents, invoicing, usage
from billing.bootstrap import Container, bootstrap
from billing.jobs import Jobs, make_broker, set_container

DESCRIPTION = """Usage metering and billing of FLEXIO: an event-sourced ledger, monthly invoices in
arrears, gapless numbering. Every endpoint but `/health` needs `Authorization: Bearer <token>`.
Errors are `{"error": {"code", "message", "details"}}`."""


def create_app(container_factory: Callable[[], Container] | None = None, *, background: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        container = container_factory() if container_factory else bootstrap()
        jobs = Jobs(make_broker(container.settings))
        jobs.wire(container)
        set_container(container)
        if not container.settings.broker_url:
            jobs.start_in_process_worker()
        if background:
            container.start_background_projection()
        app.state.container = container
        try:
            yield
        finally:
            jobs.stop()
            container.close()

    app = FastAPI(title="Flexio Billing", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    install_error_handlers(app)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: no token needed."""
        return {"status": "ok"}

    app.include_router(admin.router)
    app.include_router(usage.router)
    app.include_router(documents.router)  # before invoicing: /v1/invoices/{number}.pdf
    app.include_router(invoicing.router)
    return app
