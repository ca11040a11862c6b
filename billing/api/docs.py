"""The OpenAPI page (`/docs`) served entirely by the app: Swagger UI's files come from the
``swagger-ui-bundle-v2`` package (Swagger UI 5, which reads the OpenAPI 3.1 that FastAPI writes),
not from a CDN, so the page works on a machine without internet access."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger(__name__)
ASSETS = "/docs/assets"


def swagger_ui_files() -> Path | None:
    try:
        from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return Path(str(swagger_ui_path))


def install_docs(app: FastAPI) -> bool:
    """Serve `/docs` from local assets; False (FastAPI's default page stays) when the package is missing."""
    files = swagger_ui_files()
    if files is None or not (files / "swagger-ui-bundle.js").is_file():
        log.warning("swagger-ui-bundle-v2 is not installed: /docs loads Swagger UI from a CDN")
        return False
    # Replace FastAPI's CDN page by ours (routes are matched in order: drop the default ones).
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", None) not in ("/docs", "/redoc")]
    app.mount(ASSETS, StaticFiles(directory=files), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    return True
