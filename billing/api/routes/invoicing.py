"""Months and invoices (API.md "Months", "Invoices")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query

from billing.api.deps import AdminDep, ClosingDep, DocumentsDep, InvoicesDep, ReaderDep, ensure_may_see
from billing.api.responses import InvoiceList, InvoiceOut, MonthStateOut, PreviewOut
from billing.api.schemas import CloseIn, CloseOut
from billing.commands.closing import CloseMonth, parse_month

router = APIRouter(prefix="/v1")


@router.get("/admin/months/{month}/preview", response_model=PreviewOut, tags=["months"])
def preview_month(
    month: str,
    closing: ClosingDep,
    documents: DocumentsDep,
    _: AdminDep,
    issue_date: str | None = Query(None, description="Defaults to today"),
) -> dict[str, Any]:
    """A dry run of the close: the invoices it would issue, unnumbered, the accounts it cannot rate (§7)
    and the Factur-X rules each document would fail (``document_errors``). Issues nothing."""
    preview = closing.preview_with_errors(CloseMonth.from_request(month, issue_date))
    preview["invoices"], preview["document_errors"] = documents.preview_documents(preview["invoices"])
    return preview


@router.post("/admin/months/{month}/close", status_code=202, response_model=CloseOut, tags=["months"])
def close_month(
    month: str, closing: ClosingDep, _: AdminDep, body: CloseIn | None = Body(None)
) -> dict[str, Any]:
    """Close a month: issue and number its invoices (a job). Closing a closed month issues nothing."""
    return closing.request_close(CloseMonth.from_request(month, body.issue_date if body else None))


@router.get("/admin/months/{month}", response_model=MonthStateOut, tags=["months"])
def month_state(month: str, closing: ClosingDep, _: AdminDep) -> dict[str, Any]:
    """A month's state: open, closing (with progress) or closed, with its invoice count and totals."""
    return closing.current_month_state(month)


@router.get("/admin/invoices", response_model=InvoiceList, tags=["invoices"])
def list_invoices(
    invoices: InvoicesDep, _: AdminDep, month: str | None = None, account: str | None = None
) -> dict[str, Any]:
    """Invoices, filtered by month and/or account."""
    if month:
        month = str(parse_month(month))
    return {"invoices": invoices.list(month=month, account=account)}


@router.get("/invoices/{number}", response_model=InvoiceOut, tags=["invoices"])
def get_invoice(number: str, invoices: InvoicesDep, principal: ReaderDep) -> dict[str, Any]:
    """One invoice (admin, or the customer it belongs to)."""
    invoice = invoices.get(number)  # NotFound(f"invoice {number!r} not found")
    ensure_may_see(principal, invoice["account"], f"invoice {number!r} not found")
    return invoice
