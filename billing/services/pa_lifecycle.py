"""Lifecycle statuses from the plateforme agréée recorded on our invoices (issue 22, item 3).

A CDAR message (pushed to ``POST /v1/admin/pa/lifecycle``, or polled: ``billing.pa.exchange``) is
validated against the CDAR D22B schema, each status matched to an invoice we issued, and recorded as
an ``Invoice.LifecycleStatusRecorded`` event; the same status received again records nothing. A message
naming an invoice we did not issue records nothing at all (404).

Not yet here (issue 22, item 3): 213 Rejetée alerting finance, 210 Refusée and 207 En litige opening a
dispute case; ``einvoicing.lifecycle.LifecycleStatus.effect`` already says which.
"""

from __future__ import annotations

from typing import Any

from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate, run_command
from billing.services.ports import ReadModels
from einvoicing.cdar import CdarError, InvoiceStatus, LifecycleMessage, parse_cdar
from ledger.errors import InvalidInput, NotFound
from ledger.invoice import Invoice

MAX_CODE = 16  # invoice_lifecycle.code
MAX_TEXT = 2_000  # one reason's text, spaces collapsed


def _line(text: str | None) -> str:
    """A reason's text on one line: every run of white space (line feeds included) one space, cut."""
    return " ".join((text or "").split())[:MAX_TEXT]


def _names_another_seller(status: InvoiceStatus, siren: str) -> bool:
    """MDT-129 names the invoice's seller (BR-FR-CDV-13): by SIREN (0002) or SIRET (0009, SIREN first)."""
    legal = [i for i in (status.seller.ids if status.seller else ()) if i.scheme in ("0002", "0009")]
    return bool(siren) and bool(legal) and not any(i.value[:9] == siren for i in legal)


class PaLifecycleService:
    def __init__(self, ledger: Ledger, read_models: ReadModels, seller_siren: str = "") -> None:
        self.ledger = ledger
        self.read_models = read_models
        self.seller_siren = seller_siren

    def record_message(self, raw: bytes) -> dict[str, Any]:
        """Record every status of a CDAR message; API.md's answer for its first status.

        ``{"invoice", "code", "recorded"}``, plus ``statuses`` (each one) when the message carries more.
        """
        try:
            message = parse_cdar(raw)
        except CdarError as exc:
            raise InvalidInput(f"not a valid CDAR lifecycle message: {'; '.join(exc.problems)[:2000]}",
                               field="body") from None
        self._check(message)
        results = [self._record(message, status) for status in message.statuses]
        self.read_models.refresh()  # read-your-writes: the invoice shows the status at once
        answer: dict[str, Any] = dict(results[0])
        if len(results) > 1:
            answer["statuses"] = results
        return answer

    def _check(self, message: LifecycleMessage) -> None:
        """Nothing is recorded unless every invoice named is ours and every code fits."""
        for status in message.statuses:
            if len(status.code) > MAX_CODE:
                raise InvalidInput(f"status code {status.code[:40]!r} is longer than {MAX_CODE}", field="body")
            if _names_another_seller(status, self.seller_siren) or find_aggregate(
                self.ledger, Invoice.create_id(status.invoice_number)
            ) is None:
                raise NotFound(f"invoice {status.invoice_number[:40]!r} was not issued by us")

    def _record(self, message: LifecycleMessage, status: InvoiceStatus) -> dict[str, Any]:
        codes = [d.reason_code or "" for d in status.details if d.reason_code or d.reasons]
        texts = [_line(" ".join(d.reasons)) for d in status.details if d.reason_code or d.reasons]

        def command(invoice: Invoice) -> bool:
            return invoice.record_lifecycle_status(
                fact_key=status.fact_key,
                status_code=status.code,
                label=status.label,
                status_at=status.at.isoformat(),
                reason_codes=codes,
                reasons=texts,
                message_id=message.message_id,
            )

        recorded = run_command(
            self.ledger, Invoice.create_id(status.invoice_number), command, what=f"invoice {status.invoice_number!r}"
        )
        return {"invoice": status.invoice_number, "code": status.code, "recorded": recorded}
