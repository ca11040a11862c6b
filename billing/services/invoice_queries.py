"""Reading invoices from the read model, with the payment status as of the clock's today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta

from billing.services.ports import ReadModels
from invoices.payment_status import payment_status
from ledger.clock import Clock, today
from ledger.document_lifecycle import DocumentStatus
from ledger.errors import NotFound


def document_state(row: Any | None) -> dict[str, Any]:
    """Issue 11: whether the invoice's PDF is stored (with its SHA-256) or failed its Factur-X rules."""
    if row is None:
        return {"status": DocumentStatus.PENDING}
    if row.sha256:
        return {"status": DocumentStatus.STORED, "sha256": row.sha256, "mail": row.mail_status}
    return {"status": DocumentStatus.REJECTED, "failures": row.failures}


def transmission_view(row: Any | None) -> dict[str, Any] | None:
    """Issue 22: the document's transmission to the plateforme agréée, ``None`` until a step is recorded.

    ``{status: transmitted | rejected, flow_id, at, error}``; ``error`` (``{status, code, message,
    reasons}``) is the platform's refusal, shown to finance: the invoice must be corrected.
    """
    if row is None or getattr(row, "pa_status", None) is None:
        return None
    status = row.pa_status
    return {"status": status, "flow_id": row.pa_flow_id, "at": row.pa_at, "error": row.pa_error}


def lifecycle_view(rows: list[Any]) -> list[dict[str, Any]]:
    """Issue 22 (API.md "Plateforme agréée"): ``[{code, label, at, reason}]``, as the platform reported them."""
    return [{"code": r.code, "label": r.label, "at": r.status_at, "reason": r.reason} for r in rows]


def invoice_view(row: Any, on: date, document_row: Any | None = None, lifecycle: list[Any] | None = None) -> dict[str, Any]:
    document = dict(row.document)
    document["number"] = row.number
    document["status"] = row.status
    document["paid"] = f"{Decimal(row.paid):.2f}"
    # What is owed is the TTC net of the credit notes on the invoice (negative amounts, API.md).
    owed = Decimal(row.total_ttc) + Decimal(getattr(row, "credited", None) or 0)
    document["payment_status"] = payment_status(Decimal(row.paid), owed, row.due_date, on)
    document["pdf"] = f"/v1/invoices/{row.number}.pdf"
    document["document"] = document_state(document_row)
    document["lifecycle"] = lifecycle_view(lifecycle or [])
    document["transmission"] = transmission_view(document_row)
    return document


class InvoiceReads(Protocol):
    """The invoice rows the read models hold (``billing/persistence/queries/invoices.py``).

    A row has the ``invoices`` columns and ``credited``; its document is ``None`` or has ``sha256``,
    ``failures`` and ``mail_status``.
    """

    def invoices(
        self, month: str | None, account: str | None, issued_since: date | None
    ) -> list[tuple[Any, Any | None]]: ...

    def invoice(self, number: str) -> tuple[Any, Any | None] | None: ...

    def lifecycles(
        self, month: str | None, account: str | None, issued_since: date | None, number: str | None = None
    ) -> dict[str, list[Any]]: ...


class InvoiceQueries:
    def __init__(self, reads: InvoiceReads, read_models: ReadModels, clock: Clock) -> None:
        self.reads = reads
        self.read_models = read_models
        self.clock = clock

    def sync(self) -> None:
        """Read-your-writes for a caller about to list what was just recorded."""
        self.read_models.refresh()

    def glance(self) -> None:
        """The views as they stand for a customer's list: never waits behind a close (issue 20)."""
        self.read_models.glance()

    def list(self, month: str | None = None, account: str | None = None, *, years: int | None = None) -> list[dict[str, Any]]:
        on = today(self.clock)
        # art. 10.2: invoices stay downloadable for five years
        since = None if years is None else on - relativedelta(years=years)
        rows = self.reads.invoices(month, account, since)
        lifecycles = self.reads.lifecycles(month, account, since)
        return [invoice_view(row, on, doc, lifecycles.get(row.number)) for row, doc in rows]

    def get(self, number: str) -> dict[str, Any]:
        found = self.reads.invoice(number)
        if found is None:
            raise NotFound(f"invoice {number!r} not found")
        row, doc = found
        lifecycle = self.reads.lifecycles(None, None, None, number=number).get(number)
        return invoice_view(row, today(self.clock), doc, lifecycle)
