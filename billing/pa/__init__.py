"""The plateforme agréée adapter (issue 22): the AFNOR XP Z12-013 Flow Service over HTTP.

The pure part (flowInfo, CDAR messages, status codes) is :mod:`einvoicing`; this package only talks
HTTP. With ``BILLING_PA_*`` unset, :func:`flow_service_client` returns ``None`` and nothing is sent.
"""

from billing.pa.client import (
    Acknowledgement,
    AcknowledgementDetail,
    DocType,
    Flow,
    FlowAckStatus,
    FlowDirection,
    FlowServiceClient,
    PaConfig,
    PaError,
    PaRejected,
    PaUnavailable,
    SearchResult,
    flow_service_client,
)

__all__ = [
    "Acknowledgement",
    "AcknowledgementDetail",
    "DocType",
    "Flow",
    "FlowAckStatus",
    "FlowDirection",
    "FlowServiceClient",
    "PaConfig",
    "PaError",
    "PaRejected",
    "PaUnavailable",
    "SearchResult",
    "flow_service_client",
]
