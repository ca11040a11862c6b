"""Refuse control characters in a request's path and query before any route sees them.

PostgreSQL refuses NUL in text, so a path parameter or a query value with one (an invoice number,
a token id, an account filter) would fail the query with a 500; no identifier of this API holds a
control character, so such a request is a 422 naming the part, whatever the route."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from billing.api.errors import field_error_body

_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


class ControlCharacterGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            part = None
            path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            if _CONTROL.search(unquote_to_bytes(path)) or _CONTROL.search(scope["path"].encode("utf-8", "replace")):
                part = "path"
            elif _CONTROL.search(unquote_to_bytes(scope.get("query_string", b"").replace(b"+", b" "))):
                part = "query"
            if part is not None:
                payload = json.dumps(
                    field_error_body("invalid", f"the request {part} contains a control character", part)
                ).encode()
                await send({"type": "http.response.start", "status": 422, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
                await send({"type": "http.response.body", "body": payload})
                return
        await self.app(scope, receive, send)
