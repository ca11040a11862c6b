"""How a direct-debit file's events change the read models of money out (issue 12): the SEPA file,
its debits and their returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from billing.persistence import tables as t
from billing.persistence.projections import Handler, ProjectionStep
from ledger.direct_debit import DirectDebitFile


def recorded(step: ProjectionStep, e: Any, _position: int) -> None:
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


def debit_returned(step: ProjectionStep, e: Any, _position: int) -> None:
    day = step.conn.execute(
        select(t.sepa_files.c.collection_date).where(t.sepa_files.c.aggregate_id == e.originator_id.hex)
    ).scalar_one()
    step.conn.execute(
        update(t.sepa_debits)
        .where(t.sepa_debits.c.invoice == e.invoice, t.sepa_debits.c.collection_date == day)
        .values(returned_on=e.returned_on, return_reason=e.reason)
    )


HANDLERS: dict[type, Handler] = {
    DirectDebitFile.Recorded: recorded,
    DirectDebitFile.DebitReturned: debit_returned,
}
