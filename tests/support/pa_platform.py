"""A test plateforme agréée: the Flow Service endpoints our client calls, plus an OAuth2 token endpoint.

A real HTTP server (uvicorn on a free port of 127.0.0.1, in a thread of the test process) that checks
every request it receives against the **published** AFNOR XP Z12-013 OpenAPI (read from
``shared/standards/``): the JSON bodies against their request schemas, the ``flowInfo`` part of
``POST /v1/flows`` against ``FlowInfo``, each part's content type against the spec's ``encoding``, path
and query parameters against their schemas, ``X-Request-Id`` as a UUID. A request that fails is answered
400 and recorded in :attr:`TestPlatform.violations`; tests assert that list is empty. Its own answers
are checked against the response schemas too (a platform that drifted from the spec would hide client
bugs).

It can be told to misbehave: :meth:`TestPlatform.fail_next` answers a given status (429, 503, 400…)
with an optional ``Retry-After``, before or after it has processed the request, or after a delay.
"""

from __future__ import annotations

import asyncio
import base64
import email.message
import email.parser
import email.policy
import hashlib
import json
import secrets
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from support.standards import flow_service_openapi, openapi_schema_validator


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


class SpecChecks:
    """Validators built from the published OpenAPI, one per request or response schema the platform serves."""

    def __init__(self) -> None:
        spec = flow_service_openapi()
        bodies = spec["components"]["requestBodies"]
        self.multipart = bodies["FlowPostRequest"]["content"]["multipart/form-data"]
        self.post_body = openapi_schema_validator(self.multipart["schema"])
        self.search_body = openapi_schema_validator(bodies["FlowSearchRequest"]["content"]["application/json"]["schema"])
        get_params = {p["name"]: p for p in spec["paths"]["/v1/flows/{flowId}"]["get"]["parameters"] if "name" in p}
        self.flow_id = openapi_schema_validator(get_params["flowId"]["schema"])
        self.doc_type = openapi_schema_validator(get_params["docType"]["schema"])
        self.full_flow_info = openapi_schema_validator(_ref("FullFlowInfo"))
        self.search_content = openapi_schema_validator(_ref("SearchFlowContent"))
        self.flow = openapi_schema_validator(_ref("Flow"))
        self.error = openapi_schema_validator(_ref("Error"))
        self.part_types = {
            name: [t.strip() for t in enc["contentType"].split(",")] for name, enc in self.multipart["encoding"].items()
        }

    @staticmethod
    def errors(validator: Any, instance: Any) -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(instance)]


@dataclass
class Fault:
    status: int
    retry_after: str | None = None
    error_code: str = "TEST_FAULT"
    error_message: str | None = "told to fail by the test"
    delay: float = 0.0  # seconds before answering (a client with a shorter timeout gives up)
    after_processing: bool = False  # process the request, then answer ``status`` anyway


@dataclass
class StoredFlow:
    flow: dict[str, Any]
    content: bytes
    file_name: str
    content_type: str


@dataclass
class TestPlatform:
    """The platform's state, shared between the server thread and the test."""

    __test__ = False  # not a test class, despite its name

    client_id: str = "flexio-billing"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    token_lifetime: int = 3600
    updated_after_inclusive: bool = False  # the spec does not say whether updatedAfter is strict
    flows: dict[str, StoredFlow] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (operation, X-Request-Id)
    tokens_issued: int = 0
    _tokens: dict[str, float] = field(default_factory=dict)
    _faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _last_time: datetime = field(default_factory=lambda: datetime(2000, 1, 1, tzinfo=UTC))

    def fail_next(self, operation: str, status: int, *, times: int = 1, **kwargs: Any) -> None:
        """The next ``times`` calls of ``operation`` (token, createFlow, searchFlow, getFlow) answer ``status``."""
        with self._lock:
            for _ in range(times):
                self._faults[operation].append(Fault(status, **kwargs))

    def take_fault(self, operation: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(operation)
            return queue.popleft() if queue else None

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def count(self, operation: str) -> int:
        return sum(1 for op, _ in self.requests if op == operation)

    def flows_tracked(self, tracking_id: str) -> list[dict[str, Any]]:
        return [s.flow for s in self.flows.values() if s.flow.get("trackingId") == tracking_id]

    def now(self) -> datetime:
        """Strictly increasing time, so that every update has its own updatedAt."""
        with self._lock:
            moment = max(datetime.now(UTC), self._last_time + timedelta(microseconds=1))
            self._last_time = moment
            return moment

    def add_incoming(
        self, content: bytes, *, tracking_id: str, updated_at: datetime, flow_type: str = "CustomerInvoiceLC"
    ) -> str:
        """A flow the platform received for us (a lifecycle status from the buyer's side, say)."""
        flow_id = str(uuid.uuid4())
        at = _iso(updated_at)
        self.flows[flow_id] = StoredFlow(
            flow={
                "flowId": flow_id,
                "trackingId": tracking_id,
                "submittedAt": at,
                "updatedAt": at,
                "flowType": flow_type,
                "processingRule": "B2B",
                "processingRuleSource": "Computed",
                "flowDirection": "In",
                "flowSyntax": "CDAR",
                "acknowledgement": {"status": "Ok"},
            },
            content=content,
            file_name=f"{tracking_id}.xml",
            content_type="application/xml",
        )
        return flow_id

    # token handling
    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_lifetime
            self.tokens_issued += 1
        return token

    def token_valid(self, token: str) -> bool:
        with self._lock:
            expiry = self._tokens.get(token)
            return expiry is not None and expiry > time.monotonic()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _error(status: int, code: str, message: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"errorCode": code}
    if message is not None:
        body["errorMessage"] = message
    return JSONResponse(body, status_code=status, headers=headers)


def build_app(platform: TestPlatform) -> FastAPI:
    checks = SpecChecks()
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    def violation(operation: str, problems: list[str]) -> JSONResponse:
        platform.violations.extend(f"{operation}: {p}" for p in problems)
        return _error(400, "INVALID_REQUEST", "; ".join(problems))

    def self_check(validator: Any, body: Any, what: str) -> None:
        problems = SpecChecks.errors(validator, body)
        if problems:  # the platform itself is off-spec: a bug of this test support, not of the client
            platform.violations.extend(f"platform response {what}: {p}" for p in problems)

    async def guard(operation: str, request: Request) -> tuple[JSONResponse | None, Fault | None]:
        """Record the call, check the common headers and the token, apply a fault told in advance."""
        request_id = request.headers.get("X-Request-Id")
        platform.requests.append((operation, request_id))
        if request_id is not None:
            try:
                uuid.UUID(request_id)
            except ValueError:
                return violation(operation, [f"X-Request-Id {request_id!r} is not a uuid"]), None
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not platform.token_valid(auth.removeprefix("Bearer ")):
            return _error(401, "MISSING_TOKEN", "a valid bearer token is required"), None
        fault = platform.take_fault(operation)
        if fault is not None and fault.delay and not fault.after_processing:
            await asyncio.sleep(fault.delay)
        if fault is not None and not fault.after_processing:
            return fault_response(fault), None
        return None, fault

    async def finish(fault: Fault | None, response: Response) -> Response:
        """The answer of a processed request, unless a fault told to come after processing replaces it."""
        if fault is None:
            return response
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return response if fault.status < 300 else fault_response(fault)

    def fault_response(fault: Fault) -> JSONResponse:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else None
        return _error(fault.status, fault.error_code, fault.error_message, headers)

    @app.post("/token")
    async def token(request: Request) -> Response:
        platform.requests.append(("token", None))
        fault = platform.take_fault("token")
        if fault is not None:
            return fault_response(fault)
        form = dict(await request.form())
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != platform.client_id or client_secret != platform.client_secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse(
            {"access_token": platform.issue_token(), "token_type": "Bearer", "expires_in": platform.token_lifetime},
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/v1/healthcheck")
    async def health() -> Response:
        return Response(status_code=200)

    @app.post("/v1/flows")
    async def create_flow(request: Request) -> Response:
        refused, fault = await guard("createFlow", request)
        if refused is not None:
            return refused
        content_type = request.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            return violation("createFlow", [f"body is {content_type!r}, the spec has multipart/form-data only"])
        try:
            parts = split_multipart(content_type, await request.body())
        except ValueError as exc:
            return violation("createFlow", [str(exc)])
        problems: list[str] = []
        for name, part in parts.items():
            allowed = checks.part_types.get(name)
            if allowed is not None and part.content_type not in allowed:
                problems.append(f"part {name!r} is {part.content_type}, the spec's encoding has {allowed}")
        instance: dict[str, Any] = {}
        if "flowInfo" in parts:
            try:
                instance["flowInfo"] = json.loads(parts["flowInfo"].body)
            except ValueError as exc:
                problems.append(f"flowInfo is not JSON: {exc}")
        if "file" in parts:
            instance["file"] = "(binary)"
        problems += SpecChecks.errors(checks.post_body, instance)
        if problems:
            return violation("createFlow", problems)
        info: dict[str, Any] = instance["flowInfo"]
        content = parts["file"].body
        digest = hashlib.sha256(content).hexdigest()
        details = []
        if info.get("sha256") and info["sha256"] != digest:
            details.append({"level": "Error", "item": "sha256", "reasonCode": "ChecksumMismatch",
                            "reasonMessage": "sha256 of the file differs from flowInfo.sha256"})
        if not content:
            details.append({"level": "Error", "item": "file", "reasonCode": "EmptyFlow", "reasonMessage": "empty file"})
        tracking = info.get("trackingId")
        if tracking and any(f.get("flowDirection") == "Out" for f in platform.flows_tracked(tracking)):
            details.append({"level": "Error", "item": "trackingId", "reasonCode": "AlreadyExistingFlow",
                            "reasonMessage": "a flow with this trackingId was already received"})
        flow_id = str(uuid.uuid4())
        at = _iso(platform.now())
        full = {"flowId": flow_id, "submittedAt": at, **info, "sha256": info.get("sha256") or digest}
        self_check(checks.full_flow_info, full, "createFlow")
        platform.flows[flow_id] = StoredFlow(
            flow={
                "flowId": flow_id,
                **({"trackingId": tracking} if tracking is not None else {}),
                "submittedAt": at,
                "updatedAt": at,
                "flowType": "CustomerInvoiceLC" if info["flowSyntax"] == "CDAR" else "CustomerInvoice",
                "processingRule": info.get("processingRule", "B2B"),
                "processingRuleSource": "Input" if "processingRule" in info else "Computed",
                "flowDirection": "Out",
                "flowSyntax": info["flowSyntax"],
                **({"flowProfile": info["flowProfile"]} if "flowProfile" in info else {}),
                "acknowledgement": {"status": "Error", "details": details} if details else {"status": "Ok"},
            },
            content=content,
            file_name=parts["file"].filename or "flow",
            content_type=parts["file"].content_type,
        )
        return await finish(fault, JSONResponse(full, status_code=202))

    @app.post("/v1/flows/search")
    async def search(request: Request) -> Response:
        refused, fault = await guard("searchFlow", request)
        if refused is not None:
            return refused
        raw = await request.body()
        if not raw:  # the request body is optional in the schema, but the prose wants one criterion
            return violation("searchFlow", ["where: at least one criterion is required (searchFlow description)"])
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return violation("searchFlow", ["the spec's search body is application/json"])
        try:
            body = json.loads(raw)
        except ValueError as exc:
            return violation("searchFlow", [f"not JSON: {exc}"])
        problems = SpecChecks.errors(checks.search_body, body)
        if not problems and not body["where"]:
            problems.append("where: at least one criterion is required (searchFlow description)")
        if problems:
            return violation("searchFlow", problems)
        where = body["where"]
        limit = body.get("limit", 25)

        def after(updated: datetime, bound: datetime) -> bool:
            return updated >= bound if platform.updated_after_inclusive else updated > bound

        def matches(flow: dict[str, Any]) -> bool:
            updated = _parse_iso(flow["updatedAt"])
            return (
                ("updatedAfter" not in where or after(updated, _parse_iso(where["updatedAfter"])))
                and ("updatedBefore" not in where or updated < _parse_iso(where["updatedBefore"]))
                and ("trackingId" not in where or flow.get("trackingId") == where["trackingId"])
                and ("processingRule" not in where or flow.get("processingRule") in where["processingRule"])
                and ("flowType" not in where or flow.get("flowType") in where["flowType"])
                and ("flowDirection" not in where or flow.get("flowDirection") in where["flowDirection"])
                and ("ackStatus" not in where or flow["acknowledgement"]["status"] == where["ackStatus"])
            )

        found = sorted((s.flow for s in list(platform.flows.values()) if matches(s.flow)), key=lambda f: f["updatedAt"])
        answer = {"limit": limit, "filters": where, "results": found[:limit]}
        self_check(checks.search_content, answer, "searchFlow")
        return await finish(fault, JSONResponse(answer))

    @app.get("/v1/flows/{flow_id}")
    async def get_flow(flow_id: str, request: Request) -> Response:
        refused, fault = await guard("getFlow", request)
        if refused is not None:
            return refused
        doc_type = request.query_params.get("docType", "Metadata")
        problems = SpecChecks.errors(checks.flow_id, flow_id) + [
            f"docType: {p}" for p in SpecChecks.errors(checks.doc_type, doc_type)
        ]
        if problems:
            return violation("getFlow", problems)
        stored = platform.flows.get(flow_id)
        if fault is not None and fault.status >= 300:
            return await finish(fault, Response())
        if stored is None:
            return _error(404, "MISSING_RESOURCE", "Requested resource is Not Found")
        if doc_type == "Metadata":
            self_check(checks.flow, stored.flow, "getFlow")
            return JSONResponse(stored.flow)
        if doc_type != "Original":
            return _error(404, "MISSING_RESOURCE", f"no {doc_type} file for this flow")
        return Response(
            stored.content,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f"attachment;filename={stored.file_name}"},
        )

    return app


@dataclass
class Part:
    name: str
    content_type: str
    filename: str | None
    body: bytes


def split_multipart(content_type: str, raw: bytes) -> dict[str, Part]:
    """The parts of a multipart/form-data body, byte for byte (RFC 7578), each with its own headers."""
    header = email.message.Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise ValueError("multipart body without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = raw.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise ValueError("multipart body not closed by its boundary")
    parts: dict[str, Part] = {}
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise ValueError("multipart part not framed by CRLF")
        head, sep, body = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("multipart part without a blank line after its headers")
        headers = email.parser.HeaderParser(policy=email.policy.HTTP).parsestr(head.decode("utf-8"))
        disposition = headers.get("Content-Disposition", "")
        if not str(disposition).startswith("form-data"):
            raise ValueError(f"part with Content-Disposition {disposition!r}, not form-data")
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ValueError("part without a name")
        if name in parts and name in ("flowInfo", "file"):
            raise ValueError(f"part {name!r} twice")  # other names may repeat: an array property's items
        filename = headers.get_param("filename", header="content-disposition")
        parts[name] = Part(
            name=name,
            content_type=headers.get_content_type() if headers.get("Content-Type") else "text/plain",
            filename=filename if isinstance(filename, str) else None,
            body=body,
        )
    return parts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningPlatform:
    platform: TestPlatform
    base_url: str  # the Flow Service root: {base_url}/v1/flows
    token_url: str


@contextmanager
def running_platform(platform: TestPlatform | None = None) -> Iterator[RunningPlatform]:
    """Serve a test platform over real HTTP on 127.0.0.1 for the duration of the block."""
    platform = platform or TestPlatform()
    port = _free_port()
    config = uvicorn.Config(build_app(platform), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-pa-platform", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test platform did not start")
        time.sleep(0.01)
    try:
        base = f"http://127.0.0.1:{port}"
        yield RunningPlatform(platform, base_url=base, token_url=f"{base}/token")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
