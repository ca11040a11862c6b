"""The ``Idempotency-Key`` header of every POST (API.md "Retries"), as an ASGI middleware.

Same key and same request (method, path, query, body) from the same token: the first response is
sent again and nothing runs. Same key, other request: 409. The key is reserved in the event
store's transaction of the command's first save (billing/persistence/idempotency.py), so a retry
racing the first request, or arriving after a crash between the save and the answer, gets a 409
("still in progress") rather than a second effect. Keys are kept 30 days.

Issue 17 item 7a: no stored replay holds a secret. An answer marked ``Cache-Control: no-store``
(the new token of ``POST /v1/admin/tokens``, shown once) is not kept: a retry with its key gets a
409 naming what was created (its ``id``), never the secret again. Issue 19 item 5: a blank key is
a 422 naming the header, and JSON bodies are compared as JSON values (the same body with its keys
in another order or other whitespace is the same request, replayed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing.api.errors import error_body, field_error_body, invalid_details
from billing.runtime.database_errors import database_away
from billing.runtime.idempotency_context import CURRENT, PendingKey

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
_KEY_RE = re.compile(r"[\x20-\x7e]{1,255}", re.ASCII)
# No effect happened and the caller may not even be known: such answers are not kept.
_NOT_KEPT = {401, 403, 413}


def body_digest_input(body: bytes, content_type: str | None) -> bytes:
    """What a request's body is compared by: a JSON body as its value (keys sorted, no whitespace,
    issue 19 item 5), any other body (CSV, XML, a mail) as its bytes."""
    media = (content_type or "application/json").split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return b"raw\n" + body
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return b"json\n" + canonical.encode("utf-8", "surrogatepass")
    return b"raw\n" + body


def secret_not_kept(status: int, body: bytes) -> bytes:
    """The replay kept instead of an answer that holds a secret shown once: a 409 naming its id."""
    created: Any = None
    try:
        answer = json.loads(body)
        if isinstance(answer, dict) and isinstance(answer.get("id"), str):
            created = answer["id"]
    except (ValueError, UnicodeDecodeError):
        pass
    return json.dumps(error_body(
        "idempotency_key_secret_not_kept",
        f"the first request with this Idempotency-Key was answered {status} with a secret shown once, "
        "which is not kept: it is not shown again (list or revoke what it created instead)",
        invalid_details([{"field": "Idempotency-Key", "message": "the answer held a secret shown once"}],
                        status=status, id=created),
    )).encode()


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
            await _send_json(send, 422, field_error_body(
                "invalid", "Idempotency-Key must be 1 to 255 printable ASCII characters", "Idempotency-Key"))
            return
        if not key.strip():
            await _send_json(send, 422, field_error_body(
                "invalid", "Idempotency-Key is blank: send a unique key (e.g. a UUID) or no header",
                "Idempotency-Key"))
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
        request.update(body_digest_input(body, headers.get("content-type")))
        request_hash = request.hexdigest()
        now = container.clock.now().astimezone(UTC)
        store = container.idempotency

        stored = await run_in_threadpool(store.find, key_hash, now)
        if stored is not None:
            if stored.request_hash != request_hash:
                await _send_json(send, 409, field_error_body(
                    "idempotency_key_reused", "this Idempotency-Key was used with another request", "Idempotency-Key"))
            elif stored.status is None:
                await _send_json(send, 409, field_error_body(
                    "idempotency_key_in_progress", "the first request with this Idempotency-Key is still answering",
                    "Idempotency-Key"))
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
        secret = False
        sent: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type, secret
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_headers = Headers(raw=message.get("headers", []))
                content_type = answer_headers.get("content-type")
                secret = "no-store" in answer_headers.get("cache-control", "").lower()
            elif message["type"] == "http.response.body":
                sent.append(message.get("body", b""))
            await send(message)

        context = CURRENT.set(pending)
        try:
            await self.app(scope, replay_body, capture)
        except Exception:
            # Raised after its effect was committed (the database went away before the answer,
            # billing/api/errors.py answers 503): keep a 409 that says so, never a replayed 500.
            if pending.reserved:
                status, secret, content_type = 409, False, "application/json"
                sent[:] = [json.dumps(field_error_body(
                    "idempotency_key_answer_lost",
                    "the first request with this Idempotency-Key was recorded, but its answer was lost: "
                    "read the resource to see what it recorded", "Idempotency-Key")).encode()]
            raise
        finally:
            CURRENT.reset(context)
            if pending.reserved or (status < 500 and status not in _NOT_KEPT):
                kept_type: str | None
                if secret:  # shown once: what is kept is a 409 naming what was created, not the secret
                    kept_status, kept_type, kept = 409, "application/json", secret_not_kept(status, b"".join(sent))
                else:
                    kept_status, kept_type, kept = status, content_type, b"".join(sent)
                try:
                    await run_in_threadpool(store.complete, pending, kept_status, kept_type, kept)
                except Exception as exc:
                    if not database_away(exc) or not sent:
                        raise
                    # The answer is sent and its effect committed; the database went away before its
                    # replay was kept. Raising now would turn a sent 200 into a broken connection: the
                    # key stays reserved, and a retry with it gets a 409, never a second effect.
                    log.warning("Idempotency-Key answer of %s %s not kept: the database is away (%s)",
                                scope.get("method"), scope.get("path"), exc)
