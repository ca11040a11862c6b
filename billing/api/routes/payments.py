"""Money received (issue 12): bank statements matched to invoices, unapplied credit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from billing.api.deps import AdminDep, PaymentsDep

router = APIRouter(prefix="/v1/admin/payments", tags=["payments"])


@router.post(
    "/bank-statements",
    openapi_extra={"requestBody": {"content": {"application/xml": {}, "text/csv": {}}, "required": True}},
)
async def import_bank_statement(request: Request, payments: PaymentsDep, _: AdminDep) -> dict[str, Any]:
    """A camt.053 (application/xml) or CSV (text/csv) statement: matched credits are recorded, the rest listed."""
    from fastapi.concurrency import run_in_threadpool

    content = await request.body()
    return await run_in_threadpool(
        payments.import_statement, content, request.headers.get("content-type", "")
    )


@router.get("/unapplied")
def unapplied_credits(payments: PaymentsDep, _: AdminDep) -> dict[str, Any]:
    """Money received above what its invoice owed, kept for the customer (not in the §6 penalty cap)."""
    return {"unapplied": payments.unapplied_credits()}
