"""How corrections of an account (withdrawals, ``ledger/account_corrections.py``) change the read models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from billing.persistence import tables as t
from billing.persistence.projections import Handler, ProjectionStep
from ledger.account import CustomerAccount


def _delete_one(step: ProjectionStep, table: Any, *conditions: Any) -> None:
    """Delete one row matching ``conditions``: identical records (the same one entered twice) are
    interchangeable for billing, and withdrawing one must leave the other."""
    step.flush()
    row_id = step.conn.execute(select(table.c.id).where(*conditions).order_by(table.c.id).limit(1)).scalar()
    if row_id is not None:
        step.conn.execute(delete(table).where(table.c.id == row_id))


def support_hours_withdrawn(step: ProjectionStep, e: Any, _position: int) -> None:
    h = t.support_hours.c
    _delete_one(step, t.support_hours, h.account == step.account_of(e.originator_id),
                h.on == e.on, h.hours == e.hours, h.note == e.note)


def intervention_withdrawn(step: ProjectionStep, e: Any, _position: int) -> None:
    i = t.interventions.c
    _delete_one(step, t.interventions, i.account == step.account_of(e.originator_id),
                i.on == e.on, i.hours == e.hours, i.description == e.description)


def penalty_credit_withdrawn(step: ProjectionStep, e: Any, _position: int) -> None:
    step.conn.execute(delete(t.penalty_credits).where(t.penalty_credits.c.id == e.credit_id))


def option_withdrawn(step: ProjectionStep, e: Any, _position: int) -> None:
    o = t.account_options.c
    step.conn.execute(delete(t.account_options).where(
        o.account == step.account_of(e.originator_id), o.option == e.option,
        o.accepted_on == e.accepted_on))


def contract_withdrawn(step: ProjectionStep, e: Any, _position: int) -> None:
    account = step.account_of(e.originator_id)
    step.conn.execute(update(t.accounts).where(t.accounts.c.account == account).values(
        plan=None, service_start=None, installation_fee=None, freemium=None, payment_method=None, mandate=None))
    step.conn.execute(delete(t.account_options).where(t.account_options.c.account == account))


HANDLERS: dict[type, Handler] = {
    CustomerAccount.SupportHoursWithdrawn: support_hours_withdrawn,
    CustomerAccount.InterventionWithdrawn: intervention_withdrawn,
    CustomerAccount.PenaltyCreditWithdrawn: penalty_credit_withdrawn,
    CustomerAccount.OptionWithdrawn: option_withdrawn,
    CustomerAccount.ContractWithdrawn: contract_withdrawn,
}
