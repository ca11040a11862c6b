"""The ``Idempotency-Key`` header of every POST (API.md "Retries"), as an ASGI middleware.

Same key and same request (method, path, query, body) from the same token: the first response is
sent again and nothing runs. Same key, other request: 409. The key is reserved in the event
store's transaction of the command's first save (billing/persistence/idempotency.py), so a retry
racing the first request, or arriving after a crash between the save and the answer, gets a 409
("still in progress") rather than a second effect. Keys are kept 30 days.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing.api.errors import error_body
from billing.idempotency_context import CURRENT, PendingKey

HEADER = "idempotency-key"
_KEY_RE = re.compile(r"[\x20-\x7e]{1,255}", re.ASCII)
# No effect happened and the caller may not even be known: such answers are not kept.
_NOT_KEPT = {401, 403, 413}


async def _send_json(send: Send, status: int, body: dict[str, Any], extra: list[tuple[bytes, bytes]] = []) -> None:  # noqa: B006
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *extra]})
    await send({"type": "http.response.body", "body": payload})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _KEY_RE.fullmatch(key):
            await _send_json(send, 422, error_body(
                "invalid", "Idempotency-Key must be 1 to 255 printable ASCII characters", {"field": "Idempotency-Key"}))
            return
        container = scope["app"].state.container
        limit = container.settings.max_request_bytes
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_json(send, 413, error_body("too_large", f"request body over {limit:,} bytes"))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)

        token = headers.get("authorization", "")
        key_hash = hashlib.sha256(f"{token}\n{key}".encode("latin-1", "replace")).hexdigest()
        request = hashlib.sha256()
        request.update(f"POST {scope['path']}?{scope.get('query_string', b'').decode('latin-1')}\n".encode())
        request.update(body)
        request_hash = request.hexdigest()
        now = container.clock.now().astimezone(UTC)
        store = container.idempotency

        stored = await run_in_threadpool(store.find, key_hash, now)
        if stored is not None:
            if stored.request_hash != request_hash:
                await _send_json(send, 409, error_body(
                    "idempotency_key_reused", "this Idempotency-Key was used with another request",
                    {"field": "Idempotency-Key"}))
            elif stored.status is None:
                await _send_json(send, 409, error_body(
                    "idempotency_key_in_progress", "the first request with this Idempotency-Key is still answering",
                    {"field": "Idempotency-Key"}))
            else:
                response = stored.response or b""
                await send({"type": "http.response.start", "status": stored.status, "headers": [
                    (b"content-type", (stored.content_type or "application/json").encode("latin-1")),
                    (b"content-length", str(len(response)).encode()),
                    (b"idempotent-replayed", b"true"),
                ]})
                await send({"type": "http.response.body", "body": response})
            return

        pending = PendingKey(key_hash, request_hash, now)
        replayed = False

        async def replay_body() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        content_type: str | None = None
        sent: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = Headers(raw=message.get("headers", [])).get("content-type")
            elif message["type"] == "http.response.body":
                sent.append(message.get("body", b""))
            await send(message)

        context = CURRENT.set(pending)
        try:
            await self.app(scope, replay_body, capture)
        finally:
            CURRENT.reset(context)
            if pending.reserved or (status < 500 and status not in _NOT_KEPT):
                await run_in_threadpool(store.complete, pending, status, content_type, b"".join(sent))
