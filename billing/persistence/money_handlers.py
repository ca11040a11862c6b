"""Read models of money in and out (issue 12): SEPA files, their debits and returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from billing.persistence import tables as t
from billing.persistence.projections import ProjectionStep, ReadModelProjector
from ledger.account_records import PaymentMethod


def register_money_handlers(projector: ReadModelProjector) -> None:
    on = projector.on

    @on("DirectDebitFile.Recorded")
    def sepa_file(step: ProjectionStep, e: Any, _position: int) -> None:
        day = e.collection_date
        step.conn.execute(
            insert(t.sepa_files).values(
                collection_date=day,
                scheme=e.scheme,
                aggregate_id=e.originator_id.hex,
                version=e.schema,
                message_id=e.message_id,
                sha256=e.sha256,
                created_at=e.created_at,
                debits=len(e.debits),
                total=sum((Decimal(d["amount"]) for d in e.debits), Decimal(0)),
            )
        )
        step.conn.execute(
            insert(t.sepa_debits),
            [
                {
                    "invoice": d["invoice"],
                    "collection_date": day,
                    "scheme": e.scheme,
                    "account": d["account"],
                    "mandate": d["mandate"],
                    "sequence_type": d["sequence_type"],
                    "amount": Decimal(d["amount"]),
                }
                for d in e.debits
            ],
        )

    @on("DirectDebitFile.DebitReturned")
    def debit_returned(step: ProjectionStep, e: Any, _position: int) -> None:
        day = step.conn.execute(
            select(t.sepa_files.c.collection_date).where(t.sepa_files.c.aggregate_id == e.originator_id.hex)
        ).scalar_one()
        step.conn.execute(
            update(t.sepa_debits)
            .where(t.sepa_debits.c.invoice == e.invoice, t.sepa_debits.c.collection_date == day)
            .values(returned_on=e.returned_on, return_reason=e.reason)
        )

    @on("CustomerAccount.UnappliedCreditRecorded")
    def unapplied_credit(step: ProjectionStep, e: Any, _position: int) -> None:
        step.conn.execute(
            insert(t.unapplied_credits).values(
                account=step.account_of(e.originator_id),
                invoice=e.invoice,
                amount=e.amount.amount,
                received_on=e.received_on,
                method=e.method,
                reference=e.reference,
            )
        )

    @on("CustomerAccount.PaymentReversed")
    def payment_reversed(step: ProjectionStep, e: Any, _position: int) -> None:
        amount = e.amount.amount
        step.conn.execute(
            insert(t.payments).values(
                account=step.account_of(e.originator_id),
                invoice=e.invoice,
                amount=-amount,
                received_on=e.returned_on,
                method=PaymentMethod.SEPA_DEBIT,
                reference=f"return {e.reason}",
            )
        )
        step.flush()
        step.conn.execute(
            update(t.invoices).where(t.invoices.c.number == e.invoice).values(paid=t.invoices.c.paid - amount)
        )
