"""How each ledger event changes the read models. Registered on the projector at bootstrap."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, update

from billing.persistence import tables as t
from billing.persistence.case_handlers import register_case_handlers
from billing.persistence.document_handlers import register_document_handlers
from billing.persistence.money_handlers import register_money_handlers
from billing.persistence.projections import ProjectionStep, ReadModelProjector
from billing.persistence.quarantine_handlers import register_quarantine_handlers
from ledger.account_records import Mandate
from ledger.invoice import InvoiceStatus
from ledger.month_close import CloseStatus


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def register_handlers(projector: ReadModelProjector) -> None:
    from billing.persistence.correction_handlers import register_correction_handlers

    register_correction_handlers(projector)
    register_money_handlers(projector)
    on = projector.on
    register_document_handlers(projector)  # issue 11: documents, credit notes, invoice statuses

    @on("PriceGridCatalogue.GridPublished")
    def grid_published(step: ProjectionStep, event: Any, _position: int) -> None:
        grid = event.grid
        step.conn.execute(
            insert(t.price_grids).values(
                version=grid["version"],
                effective_from=_day(grid["effective_from"]),
                notified_on=_day(grid["notified_on"]),
                body=grid,
            )
        )

    # Account events are buffered in step.accounts and written per table (issue 10, item 8).
    @on("CustomerAccount.Registered")
    def registered(step: ProjectionStep, e: Any, _position: int) -> None:
        step.accounts.register(
            {
                "account": e.account,
                "aggregate_id": e.originator_id.hex,
                "legal_name": e.legal_name,
                "siren": e.siren,
                "vat_number": e.vat_number,
                "vat_regime": e.vat_regime,
                "billing_email": e.billing_email,
                "address": e.address,
            }
        )
        step.remember_account(e.originator_id, e.account)

    def account_update(step: ProjectionStep, e: Any, **values: Any) -> None:
        step.accounts.update(_account_of(step, e), values)

    @on("CustomerAccount.ContractSigned")
    def contract_signed(step: ProjectionStep, e: Any, _position: int) -> None:
        account_update(
            step,
            e,
            plan=e.plan,
            service_start=e.service_start,
            installation_fee=e.installation_fee.amount,
            freemium=e.freemium,
            payment_method=e.payment_method,
            mandate=_mandate_json(e.mandate),
        )

    @on("CustomerAccount.OptionAccepted")
    def option_accepted(step: ProjectionStep, e: Any, _position: int) -> None:
        step.accounts.insert(
            t.account_options,
            {"account": _account_of(step, e), "option": e.option, "pack": e.pack,
             "accepted_on": e.accepted_on, "ended_on": None},
        )

    @on("CustomerAccount.OptionEnded")
    def option_ended(step: ProjectionStep, e: Any, _position: int) -> None:
        step.accounts.end_option(_account_of(step, e), e.option, e.ended_on)

    @on("CustomerAccount.SupportHoursRecorded")
    def support_hours(step: ProjectionStep, e: Any, _position: int) -> None:
        step.accounts.insert(
            t.support_hours, {"account": _account_of(step, e), "on": e.on, "hours": e.hours, "note": e.note}
        )

    @on("CustomerAccount.InterventionRecorded")
    def intervention(step: ProjectionStep, e: Any, _position: int) -> None:
        step.accounts.insert(
            t.interventions, {"account": _account_of(step, e), "on": e.on, "hours": e.hours,
                              "description": e.description}
        )

    @on("CustomerAccount.PaymentRecorded")
    def payment(step: ProjectionStep, e: Any, _position: int) -> None:
        amount = e.amount.amount
        step.accounts.insert(
            t.payments,
            {
                "account": _account_of(step, e),
                "invoice": e.invoice,
                "amount": amount,
                "received_on": e.received_on,
                "method": e.method,
                "reference": e.reference,
            },
        )
        step.paid[e.invoice] += amount  # added at flush, after the invoice rows of this step

    @on("CustomerAccount.PenaltyCreditGranted")
    def penalty_credit(step: ProjectionStep, e: Any, _position: int) -> None:
        step.accounts.insert(
            t.penalty_credits,
            {
                "id": e.credit_id,
                "account": _account_of(step, e),
                "requested": e.requested.amount,
                "granted": e.granted.amount,
                "capped": e.capped,
                "reason": e.reason,
                "incident_on": e.incident_on,
                "granted_on": e.granted_on,
            },
        )

    @on("CustomerAccount.TerminationNotified")
    def termination(step: ProjectionStep, e: Any, _position: int) -> None:
        account_update(
            step,
            e,
            service_end=e.effective_end,
            termination={  # the read model keeps the API's JSON: ISO dates, "800.00"
                "notified_on": e.notified_on.isoformat(),
                "channel": e.channel,
                "requested_end": None if e.requested_end is None else e.requested_end.isoformat(),
                "effective_end": e.effective_end.isoformat(),
                "normal_end": e.normal_end.isoformat(),
                "early": e.early,
                "indemnity": str(e.indemnity),
                "initiated_by": e.initiated_by,  # §9
                "reason": e.reason,
            },
        )

    @on("UsageBatch.Recorded")
    def usage_recorded(step: ProjectionStep, e: Any, _position: int) -> None:
        usage = step.usage
        booked = step.booked_month
        for account, origin, credits in zip(e.accounts, e.months, e.credits, strict=True):
            usage[(account, booked(origin), origin)] += credits

    @on("MonthClose.Started")
    def close_started(step: ProjectionStep, e: Any, position: int) -> None:
        month = str(e.month)
        step.flush()
        step.conn.execute(delete(t.months).where(t.months.c.month == month))
        step.conn.execute(
            insert(t.months).values(
                month=month,
                aggregate_id=e.originator_id.hex,
                status=CloseStatus.CLOSING,
                issue_date=e.issue_date,
                cutoff=position,
                billable=e.billable,
                invoices=0,
                total_ht=0,
                total_ttc=0,
            )
        )
        # §7: from this position on, usage of this month or earlier is late usage.
        if step.frontier is None or month > step.frontier:
            step.frontier = month

    @on("MonthClose.InvoicesIssued")
    def invoices_issued(step: ProjectionStep, e: Any, _position: int) -> None:
        step.conn.execute(
            update(t.months)
            .where(t.months.c.month == _month_of(step, e))
            .values(
                invoices=t.months.c.invoices + sum(1 for _, number in e.entries if number),
                last_chunk_at=_utc(getattr(e, "at", None)),  # issue 17: the close's progress, for finance
            )
        )

    @on("MonthClose.Closed")
    def close_finished(step: ProjectionStep, e: Any, _position: int) -> None:
        step.conn.execute(
            update(t.months)
            .where(t.months.c.month == _month_of(step, e))
            .values(status=CloseStatus.CLOSED, total_ht=e.total_ht.amount, total_ttc=e.total_ttc.amount)
        )

    @on("Invoice.Issued")
    def invoice_issued(step: ProjectionStep, e: Any, _position: int) -> None:
        doc = e.document
        step.invoice_rows.append(
            {
                "number": e.number,
                "aggregate_id": e.originator_id.hex,
                "account": e.account,
                "month": e.month,
                "issue_date": _day(doc["issue_date"]),
                "due_date": _day(doc["due_date"]),
                "total_ht": Decimal(doc["total_ht"]),
                "total_vat": Decimal(doc["total_vat"]),
                "total_ttc": Decimal(doc["total_ttc"]),
                "status": InvoiceStatus.ISSUED,
                "paid": Decimal(0),
                "document": doc,
            }
        )
        for seq, line in enumerate(doc["lines"]):
            step.line_rows.append(
                {
                    "number": e.number,
                    "seq": seq,
                    "kind": line["kind"],
                    "label": line["label"],
                    "quantity": line.get("quantity"),
                    "unit_price": None if line.get("unit_price") is None else Decimal(line["unit_price"]),
                    "amount": Decimal(line["amount"]),
                }
            )
        for allocation in doc.get("penalty_allocations", []):
            step.allocation_rows.append(
                {
                    "number": e.number,
                    "credit_id": allocation["credit_id"],
                    "account": e.account,
                    "amount": Decimal(allocation["amount"]),
                }
            )

    register_case_handlers(projector)  # issue 13: customer cases
    register_quarantine_handlers(projector)  # issue 17: mail the poller set aside
    from billing.persistence.catch_up_handlers import register_catch_up_handlers

    register_catch_up_handlers(projector)  # §7, §7b (issue 8): late facts, failed closes
    from billing.persistence.fec_handlers import register_fec_handlers

    register_fec_handlers(projector)  # §12 (issue 18): FEC entries numbered when posted; last, it wraps the others


def _mandate_json(mandate: Mandate | None) -> dict[str, Any] | None:
    """The SEPA mandate as the accounts read model keeps it (JSON: the signature date in ISO)."""
    if mandate is None:
        return None
    return {"reference": mandate.reference, "signed_on": mandate.signed_on.isoformat(), "iban": mandate.iban,
            "bic": mandate.bic}


def _account_of(step: ProjectionStep, e: Any) -> str:
    """Account events carry the aggregate id only: map it to the account code via the ids seen."""
    return step.account_of(e.originator_id)


def _month_of(step: ProjectionStep, e: Any) -> str:
    return step.month_of(e.originator_id)


def _utc(instant: Any) -> Any:
    """An instant in UTC: SQLite keeps no offset, so every backend stores UTC (read back as UTC)."""
    return None if instant is None else instant.astimezone(UTC)
