"""Receivables and late-payment invoices (API.md "Receivables", BILLING_RULES §8)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from billing.api.deps import AdminDep, ReceivablesDep
from billing.commands.receivables import IssueLatePaymentInvoice, ReceivablesOn

router = APIRouter(prefix="/v1/admin", tags=["receivables"])


class LatePaymentInvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: str


@router.get("/receivables")
def receivables(
    receivables: ReceivablesDep, _: AdminDep, on: str | None = Query(None, description="YYYY-MM-DD, default today")
) -> dict[str, Any]:
    """Every invoice with something still due on a date, with late-payment interest and indemnity (§8)."""
    return receivables.receivables(ReceivablesOn.from_request(on))


@router.post("/customers/{account}/late-payment-invoice", status_code=201)
def late_payment_invoice(
    account: str, body: LatePaymentInvoiceIn, receivables: ReceivablesDep, _: AdminDep
) -> dict[str, Any]:
    """Issue an invoice of the interest and indemnities accrued on a date (ordinary series, outside VAT)."""
    return receivables.issue_late_payment_invoice(IssueLatePaymentInvoice.from_request(account, body.model_dump()))
