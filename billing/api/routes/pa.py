"""The plateforme agréée (API.md "Plateforme agréée", issue 22)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from billing.api.deps import AdminDep, PaLifecycleDep
from billing.api.responses import LifecycleRecordedOut
from billing.api.routes.usage import read_limited_body
from einvoicing.cdar import MAX_MESSAGE_BYTES

router = APIRouter(prefix="/v1/admin/pa", tags=["plateforme agréée"])

ACCEPTED_TYPES = ("application/xml", "text/xml")


@router.post(
    "/lifecycle",
    status_code=201,
    response_model=LifecycleRecordedOut,
    openapi_extra={"requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}}},
)
async def receive_lifecycle(request: Request, lifecycle: PaLifecycleDep, _: AdminDep) -> dict[str, Any]:
    """Record a CDAR lifecycle message a platform pushes: 422 if it fails the CDAR schema, 404 for an invoice
    we did not issue; ``recorded`` is false when the same status was already recorded."""
    content_type = request.headers.get("content-type", "application/xml").split(";", 1)[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise HTTPException(415, f"send the CDAR message as application/xml, not {content_type}")
    raw = await read_limited_body(request, MAX_MESSAGE_BYTES)
    answer: dict[str, Any] = await run_in_threadpool(lifecycle.record_message, raw)
    return answer
