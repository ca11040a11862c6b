"""Exports for finance and the bank (API.md "Exports"): SEPA direct-debit files and their returns."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from billing.api.deps import AdminDep, FecDep, SepaDep, WorkbookDep
from billing.commands.exports import ExportSepa, FecYear, RecordDirectDebitReturn, WorkbookPeriod

router = APIRouter(prefix="/v1/admin/exports", tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SepaExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collection_date: str
    scheme: str = "CORE"
    version: str = "pain.008.001.08"


class SepaReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice: str
    collection_date: str
    scheme: str = "CORE"
    reason: str
    returned_on: str


@router.get("/invoices.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
def export_workbook(
    workbook: WorkbookDep,
    _: AdminDep,
    start: str = Query(..., alias="from", description="YYYY-MM, first issue month"),
    end: str = Query(..., alias="to", description="YYYY-MM, last issue month"),
) -> Response:
    """The accountants' workbook: invoices and credit notes, lines, VAT by month, payments, aged receivables."""
    buffer = io.BytesIO()
    name = workbook.write(WorkbookPeriod.from_request(start, end), buffer)
    return Response(content=buffer.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/fec", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def export_fec(
    fec: FecDep, _: AdminDep, year: str = Query(..., description="YYYY, the calendar year")
) -> Response:
    """The FEC of a year (LPF art. A47 A-1): sales and bank journals, tab-separated, ISO-8859-15."""
    name, content = fec.export(FecYear.from_request(year))
    return Response(content=content, media_type="text/plain; charset=iso-8859-15",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/sepa", response_class=Response, responses={200: {"content": {"application/xml": {}}}})
def export_sepa(body: SepaExportIn, sepa: SepaDep, _: AdminDep) -> Response:
    """A pain.008 direct-debit file for a collection date; the same date again gives the same file."""
    file = sepa.export_file(ExportSepa.from_request(body.model_dump()))
    headers = {
        "Content-Disposition": f'attachment; filename="{file.name}"',
        "X-Debits": str(file.debits),
        "X-Total": f"{file.total:.2f}",
        "X-Held": ",".join(h.invoice for h in file.held),
    }
    return Response(content=file.content, media_type="application/xml", headers=headers)


@router.post("/sepa/returns", status_code=201)
def record_sepa_return(body: SepaReturnIn, sepa: SepaDep, _: AdminDep) -> dict[str, Any]:
    """An R-transaction (reject, return, refund) on one debit, with its ISO reason code (e.g. AM04, MD01)."""
    return sepa.record_return(RecordDirectDebitReturn.from_request(body.model_dump()))
