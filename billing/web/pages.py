"""Mount the portal, the console and their static files on the app (issue 23)."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from billing.web.common import STATIC_DIR, SignInRequired, sign_in_redirect

SECRET_IN_QUERY = re.compile(r"(jeton=)[^&\s\"]*")


class RedactSignInLinks(logging.Filter):
    """The sign-in link is never logged: uvicorn's access log writes the path with its query, so the
    link's secret (``?jeton=``) is replaced before any handler sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any("jeton=" in str(a) for a in record.args):
            record.args = tuple(SECRET_IN_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str) and "jeton=" in record.msg:
            record.msg = SECRET_IN_QUERY.sub(r"\1[redacted]", record.msg)
        return True


def redact_sign_in_links() -> None:
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSignInLinks) for f in logger.filters):
            logger.addFilter(RedactSignInLinks())


def install_pages(app: FastAPI) -> None:
    from billing.web import console, portal  # here: they import the API's routes, whose package builds the app

    redact_sign_in_links()
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.include_router(portal.router)
    app.include_router(console.router)
    app.mount("/pages-static", StaticFiles(directory=STATIC_DIR), name="pages-static")

    @app.get("/portal", include_in_schema=False)
    def portal_root() -> RedirectResponse:
        return RedirectResponse("/portal/", status_code=308)

    @app.get("/console", include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=308)
