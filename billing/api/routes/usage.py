"""Usage reporting (API.md "Usage")."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from billing.api.deps import IngestDep, SettingsDep, UsageDep
from billing.api.schemas import UsageOut

router = APIRouter(prefix="/v1", tags=["usage"])


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body over {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body over {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/usage",
    response_model=UsageOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "example": {
                        "events": [
                            {"id": "evt-000001", "account": "acme", "at": "2026-02-11T10:00:00+01:00", "credits": 120}
                        ]
                    }
                }
            },
        }
    },
)
async def report_usage(request: Request, usage: UsageDep, settings: SettingsDep, _: IngestDep) -> UsageOut:
    """Record up to 10,000 usage events; ids already recorded with the same content count as duplicates."""
    body = await read_limited_body(request, settings.max_request_bytes)
    result = await run_in_threadpool(usage.ingest, body)
    return UsageOut(accepted=result.accepted, duplicates=result.duplicates)
