"""The two exchanges with the plateforme agréée, over the Flow Service client, without the ledger yet.

- :func:`transmit_document`: one issued invoice or credit note sent as a flow, idempotent by its number
  (the ``trackingId``), with the outcome typed: :class:`Transmitted` or :class:`TransmissionRejected`
  (a 4xx with its error and reason codes, to be shown to finance). A platform that stays unavailable
  raises :class:`~billing.pa.client.PaUnavailable`: the job that calls this tries again later.
- :func:`poll_lifecycle`: the incoming lifecycle flows (``CustomerInvoiceLC``, direction ``In``) updated
  after a moment, each downloaded and parsed as CDAR; a file that is not a valid CDAR message is
  reported, never silently dropped, and does not stop the others.

Recording these in the invoice's ledger (events, the invoice JSON's ``lifecycle``) is the next step of
issue 22; these functions return what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.pa.client import (
    Acknowledgement,
    AcknowledgementDetail,
    DocType,
    FlowDirection,
    FlowServiceClient,
    PaRejected,
)
from einvoicing.cdar import CdarError, LifecycleMessage, parse_cdar
from einvoicing.flow_info import FlowSyntax, ProcessingRule, invoice_flow_info

LIFECYCLE_FLOW_TYPE = "CustomerInvoiceLC"  # a lifecycle (CDAR) related to a customer invoice: ours


@dataclass(frozen=True, slots=True)
class Transmitted:
    tracking_id: str
    flow_id: str | None
    submitted_at: datetime | None
    acknowledgement: Acknowledgement | None


@dataclass(frozen=True, slots=True)
class TransmissionRejected:
    tracking_id: str
    status_code: int
    error_code: str | None
    error_message: str | None
    details: tuple[AcknowledgementDetail, ...]

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(d.reason_code for d in self.details) or ((self.error_code,) if self.error_code else ())


def transmit_document(
    client: FlowServiceClient,
    number: str,
    content: bytes,
    *,
    processing_rule: ProcessingRule = ProcessingRule.B2B,
    syntax: FlowSyntax = FlowSyntax.FACTUR_X,
    attempted_before: bool = False,
) -> Transmitted | TransmissionRejected:
    """Send one document (its Factur-X PDF, or its CII XML with ``syntax=CII``) under its number.

    ``attempted_before`` (a job run again after a crash or an outage) looks the number up on the
    platform first: a document is never sent twice.
    """
    pdf = syntax is FlowSyntax.FACTUR_X
    file_name = f"{number}.pdf" if pdf else f"{number}.xml"
    info = invoice_flow_info(number, content, file_name=file_name, syntax=syntax, processing_rule=processing_rule)
    try:
        flow = client.submit_flow(
            info,
            content,
            file_name=file_name,
            content_type="application/pdf" if pdf else "application/xml",
            check_existing=attempted_before,
        )
    except PaRejected as exc:
        return TransmissionRejected(
            tracking_id=number,
            status_code=exc.status_code,
            error_code=exc.error_code,
            error_message=exc.error_message,
            details=exc.details,
        )
    return Transmitted(
        tracking_id=number, flow_id=flow.flow_id, submitted_at=flow.submitted_at, acknowledgement=flow.acknowledgement
    )


@dataclass(frozen=True, slots=True)
class IncomingLifecycle:
    flow_id: str
    updated_at: datetime | None
    message: LifecycleMessage


@dataclass(frozen=True, slots=True)
class UnreadableFlow:
    flow_id: str
    updated_at: datetime | None
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LifecyclePoll:
    messages: tuple[IncomingLifecycle, ...]
    unreadable: tuple[UnreadableFlow, ...]
    next_since: datetime  # where the next poll starts: the last updatedAt seen (or the same moment)


def poll_lifecycle(client: FlowServiceClient, since: datetime, *, page: int = 100) -> LifecyclePoll:
    """The lifecycle messages the platform received for our invoices after ``since``."""
    messages: list[IncomingLifecycle] = []
    unreadable: list[UnreadableFlow] = []
    next_since = since
    for flow in client.flows_updated_after(
        since, page=page, directions=(FlowDirection.IN,), flow_types=(LIFECYCLE_FLOW_TYPE,)
    ):
        if flow.updated_at is not None and flow.updated_at > next_since:
            next_since = flow.updated_at
        if not flow.flow_id:
            unreadable.append(UnreadableFlow("", flow.updated_at, ("a flow without a flowId",)))
            continue
        content = client.download_flow(flow.flow_id, DocType.ORIGINAL)
        try:
            messages.append(IncomingLifecycle(flow.flow_id, flow.updated_at, parse_cdar(content)))
        except CdarError as exc:
            unreadable.append(UnreadableFlow(flow.flow_id, flow.updated_at, exc.problems))
    return LifecyclePoll(messages=tuple(messages), unreadable=tuple(unreadable), next_since=next_since)
