"""How an account's money (``ledger/account_money.py``) changes the read models: payments, money
above what an invoice owed, returned direct debits and penalty credits. Each movement of money is
also posted to the FEC (§12, :mod:`.fec`), after its own rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, update

from billing.persistence import tables as t
from billing.persistence.handlers.fec import post_bank
from billing.persistence.projections import Handler, ProjectionStep
from ledger.account import CustomerAccount
from ledger.account_records import PaymentMethod


def payment_recorded(step: ProjectionStep, e: Any, _position: int) -> None:
    amount = e.amount.amount
    step.accounts.insert(
        t.payments,
        {
            "account": step.account_of(e.originator_id),
            "invoice": e.invoice,
            "amount": amount,
            "received_on": e.received_on,
            "method": e.method,
            "reference": e.reference,
        },
    )
    step.paid[e.invoice] += amount  # added at flush, after the invoice rows of this step
    post_bank(step, e, e.invoice, e.amount.amount, e.received_on, e.reference or e.invoice)


def unapplied_credit_recorded(step: ProjectionStep, e: Any, _position: int) -> None:
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
    # Money above what its invoice owed: in the bank, on the customer's account, unlettered.
    post_bank(step, e, None, e.amount.amount, e.received_on, e.reference or e.invoice)


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
    # A returned direct debit: the money paid back, 411 debited and 512 credited (a negative move).
    post_bank(step, e, e.invoice, -e.amount.amount, e.returned_on, f"return {e.reason}")


def penalty_credit_granted(step: ProjectionStep, e: Any, _position: int) -> None:
    step.accounts.insert(
        t.penalty_credits,
        {
            "id": e.credit_id,
            "account": step.account_of(e.originator_id),
            "requested": e.requested.amount,
            "granted": e.granted.amount,
            "capped": e.capped,
            "reason": e.reason,
            "incident_on": e.incident_on,
            "granted_on": e.granted_on,
        },
    )


HANDLERS: dict[type, Handler] = {
    CustomerAccount.PaymentRecorded: payment_recorded,
    CustomerAccount.UnappliedCreditRecorded: unapplied_credit_recorded,
    CustomerAccount.PaymentReversed: payment_reversed,
    CustomerAccount.PenaltyCreditGranted: penalty_credit_granted,
}
