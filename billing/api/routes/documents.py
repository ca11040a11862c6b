"""Invoice documents: PDFs, credit notes, the customer's list and archive (API.md "Invoices")."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi.responses import Response, StreamingResponse

from billing.api.deps import (
    AccountsDep,
    AdminDep,
    CreditNotesDep,
    DocumentsDep,
    InvoicesDep,
    ReaderDep,
    UsageDep,
    ensure_may_see,
)
from billing.commands.closing import parse_month
from billing.commands.credit_notes import IssueCreditNote
from billing.documents.usage_workbook import usage_workbook
from billing.services.documents import DocumentService
from billing.services.tokens import Principal
from invoices.retention import RangeRefused, access_open, archive_range, visible_since
from ledger.clock import today
from ledger.errors import InvalidInput

router = APIRouter(prefix="/v1")


def _ensure_customer_access(
    documents: DocumentService, principal: Principal, account: str, not_found: str = "not found"
) -> None:
    """§9: after a termination, the customer's access closes on the last day of service."""
    ensure_may_see(principal, account, not_found)
    if principal.role != "customer":
        return
    service_end = documents.service_end(account)
    if not access_open(today(documents.clock), service_end):
        raise HTTPException(403, f"customer access closed on the last day of service ({service_end})")


@router.get("/invoices/{number}.pdf", tags=["invoices"], response_class=Response)
def invoice_pdf(number: str, documents: DocumentsDep, principal: ReaderDep) -> Response:
    """The invoice's (or credit note's) Factur-X PDF, served only if it matches its recorded SHA-256."""
    # Issue 17.7: another account's invoice gets the very 404 of one that does not exist.
    account = documents.owner(number)  # NotFound(f"invoice {number!r} not found")
    _ensure_customer_access(documents, principal, account, f"invoice {number!r} not found")
    pdf = documents.pdf(number)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{number}.pdf"'},
    )


@router.post("/admin/invoices/{number}/credit-notes", status_code=201, tags=["invoices"])
def issue_credit_note(
    number: str, credit_notes: CreditNotesDep, _: AdminDep, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    """Issue a credit note (AV series) correcting an invoice; never more than what is left to credit."""
    return credit_notes.issue(IssueCreditNote.from_request(number, body))


@router.get("/admin/invoices/{number}/document", tags=["invoices"])
def document_state(number: str, documents: DocumentsDep, _: AdminDep) -> dict[str, Any]:
    """The stored document of an invoice: its SHA-256, or the Factur-X rules it failed."""
    documents.owner(number)
    state = documents.status(number)
    if state is None:
        return {"number": number, "status": "pending", "sha256": None, "failures": None, "mail": None}
    return {"number": number, "status": "stored" if state["sha256"] else "rejected", **state}


@router.post("/admin/invoices/{number}/document/rerender", tags=["invoices"])
def rerender_document(number: str, documents: DocumentsDep, _: AdminDep) -> dict[str, Any]:
    """Render a stored document again; restores the file only if the bytes hash to the recorded SHA-256."""
    documents.owner(number)
    return documents.rerender(number)


@router.post("/admin/documents/render", status_code=202, tags=["invoices"])
def render_documents(documents: DocumentsDep, _: AdminDep) -> dict[str, Any]:
    """Render the documents still pending (normally done by the job after each close)."""
    return {"job": documents.request_render()}


@router.get("/customers/{account}/invoices", tags=["invoices"])
def customer_invoices(
    account: str, documents: DocumentsDep, invoices: InvoicesDep, credit_notes: CreditNotesDep, principal: ReaderDep
) -> dict[str, Any]:
    """The account's invoices and credit notes of the last five years (art. 10.2)."""
    _ensure_customer_access(documents, principal, account)
    invoices.glance()
    since = visible_since(today(invoices.clock))
    listed = [i for i in invoices.list(account=account) if i["issue_date"] >= since.isoformat()]
    return {
        "account": account,
        "invoices": listed,
        "credit_notes": credit_notes.for_account(account, since),
    }


@router.get("/customers/{account}/invoices/archive.zip", tags=["invoices"], response_class=StreamingResponse)
def customer_archive(
    account: str,
    documents: DocumentsDep,
    principal: ReaderDep,
    from_: str = Query(..., alias="from", description="First month of issue, YYYY-MM"),
    to: str = Query(..., description="Last month of issue, YYYY-MM"),
) -> StreamingResponse:
    """A zip of the account's PDFs issued in the range, with a manifest of numbers and SHA-256."""
    _ensure_customer_access(documents, principal, account)
    first, last = parse_month(from_), parse_month(to)
    try:
        span = archive_range(first, last)
    except RangeRefused as exc:
        raise InvalidInput(str(exc), field="to") from None
    documents.glance()
    since = visible_since(today(documents.clock))
    rows = documents.stored_between(account, max(span.first, since), span.last)
    # Every file is checked against its recorded hash BEFORE the first byte is sent: a damaged
    # file stops the archive with a 409 instead of a half-served zip.
    files = [(row, documents.store.read_verified(row.path, row.sha256)) for row in rows]
    not_included = documents.not_stored_between(account, max(span.first, since), span.last)
    manifest = {
        "account": account,
        "from": str(first),
        "to": str(last),
        "documents": [
            {"number": row.number, "kind": row.kind, "issue_date": row.issue_date.isoformat(),
             "file": f"{row.number}.pdf", "sha256": row.sha256}
            for row, _ in files
        ],
        # Issue 17.6: what the range holds but the zip does not, with the reason (pending, rejected).
        "not_included": not_included,
    }
    return StreamingResponse(
        _zip_stream(files, manifest),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{account}-{first}-{last}.zip"'},
    )


class _Chunks(io.RawIOBase):
    """A write-only, non-seekable sink: zipfile then writes data descriptors and we stream."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _zip_stream(files: list[tuple[Any, bytes]], manifest: dict[str, Any]) -> Iterator[bytes]:
    sink = _Chunks()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed
        for row, data in files:
            info = zipfile.ZipInfo(f"{row.number}.pdf", date_time=(*row.issue_date.timetuple()[:3], 12, 0, 0))
            archive.writestr(info, data)
            yield sink.take()
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    yield sink.take()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/customers/{account}/usage.xlsx", tags=["usage"], response_class=Response)
def usage_statement(
    account: str,
    documents: DocumentsDep,
    usage: UsageDep,
    accounts: AccountsDep,
    principal: ReaderDep,
    month: str = Query(..., description="YYYY-MM", examples=["2026-02"]),
) -> Response:
    """The month's credits by day against the cap, late usage by original month, and a chart."""
    from billing.api.routes.customers import month_usage_view  # the admin usage figures: cap and late usage

    _ensure_customer_access(documents, principal, account)
    billing_month = parse_month(month)
    figures = month_usage_view(usage, accounts, account, month)
    per_day = usage.daily_credits(account, billing_month)
    terms = accounts.month_overage_terms(account, billing_month)
    data = usage_workbook(account, billing_month, per_day, figures["cap"], figures["late_usage"], terms)
    return Response(data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="usage-{account}-{billing_month}.xlsx"'})
