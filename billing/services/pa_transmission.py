"""Transmitting each issued invoice and credit note to the plateforme agréée (issue 22, item 2).

Sent as its own Dramatiq job once the document is stored (``DocumentService.render_pending``), only
when ``BILLING_PA_*`` configure a platform, and only for a document the routing sends there as an
e-invoice (a French business customer, processing rule ``B2B``; einvoicing/routing.py); those of
customers under ``reverse_charge`` or ``export`` are e-reported instead (item 5).

Every step is an event on the document's aggregate: ``TransmittedToPlatform(flow_id, tracking_id,
sha256, at)`` or ``TransmissionRejected(status, error_code, error_message, reasons, at)`` (a 4xx: the
document must be corrected; the job does not retry it). A platform that stays unavailable (429, 5xx,
timeouts: retried by the client first) raises :class:`~billing.pa.client.PaUnavailable`, and Dramatiq
retries the job with backoff. The number is looked up on the platform before each send (its
``trackingId``): a job run again after a crash that followed the send never sends a second flow, and a
job that finds the document already transmitted in the ledger sends and records nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import IntegrityError

from billing.pa.client import FlowServiceClient
from billing.pa.exchange import TransmissionRejected, transmit_document
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate
from billing.services.documents import DocumentService, document_aggregate_id
from einvoicing.routing import document_is_e_invoiced
from ledger.clock import Clock

log = logging.getLogger(__name__)


class PaTransmissionService:
    def __init__(self, ledger: Ledger, documents: DocumentService, client: FlowServiceClient | None,
                 clock: Clock) -> None:
        self.ledger = ledger
        self.documents = documents
        self.client = client
        self.clock = clock

    @property
    def enabled(self) -> bool:
        return self.client is not None

    def transmit(self, kind: str, number: str) -> dict[str, Any]:
        """Transmit one stored document; ``transmitted`` is False when nothing was sent or recorded."""
        nothing = {"number": number, "transmitted": False}
        if self.client is None:
            return nothing
        aggregate = find_aggregate(self.ledger, document_aggregate_id(kind, number))
        if aggregate is None or aggregate.transmitted or aggregate.transmission_refused:
            return nothing
        if aggregate.document_sha256 is None or not document_is_e_invoiced(aggregate.document):
            return nothing
        pdf = self.documents.store.read_verified(aggregate.document_path, aggregate.document_sha256)
        outcome = transmit_document(self.client, number, pdf, attempted_before=True)  # raises when unavailable
        now = self.clock.now().isoformat()
        if isinstance(outcome, TransmissionRejected):
            log.warning("the platform refused %s: %s %s %s", number, outcome.status_code, outcome.error_code,
                        outcome.error_message)
            aggregate.record_transmission_rejected(
                status=outcome.status_code, error_code=outcome.error_code or "",
                error_message=outcome.error_message or "",
                reasons=[f"{d.reason_code}: {d.reason_message}" if d.reason_message else d.reason_code
                         for d in outcome.details] or list(outcome.reason_codes),
                at=now,
            )
            result = {"number": number, "transmitted": False, "rejected": True}
        else:
            at = outcome.submitted_at.isoformat() if outcome.submitted_at is not None else now
            aggregate.record_transmitted(flow_id=outcome.flow_id or "", tracking_id=outcome.tracking_id,
                                         sha256=aggregate.document_sha256, at=at)
            result = {"number": number, "transmitted": True, "flow_id": outcome.flow_id}
        try:
            self.ledger.save(aggregate)
        except IntegrityError:  # another run of the same job recorded it first
            log.info("the transmission of %s was recorded by another job", number)
            return nothing
        return result

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
