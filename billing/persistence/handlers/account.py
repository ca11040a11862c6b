"""How a customer account's own facts change the read models: the account, its contract, options,
support hours, interventions and termination. Account events are buffered in ``step.accounts`` and
written one statement per table (issue 10, item 8).

A dated fact met after the close of its month has started also marks that month for the first open
month's close (§7b, :mod:`.catch_up`), after its own rows.
"""

from __future__ import annotations

from typing import Any

from billing.persistence import tables as t
from billing.persistence.handlers.catch_up import mark_catch_up
from billing.persistence.projections import Handler, ProjectionStep
from ledger.account import CustomerAccount
from ledger.account_records import Mandate


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


def contract_signed(step: ProjectionStep, e: Any, _position: int) -> None:
    _update(
        step,
        e,
        plan=e.plan,
        service_start=e.service_start,
        installation_fee=e.installation_fee.amount,
        freemium=e.freemium,
        payment_method=e.payment_method,
        mandate=_mandate_json(e.mandate),
    )
    mark_catch_up(step, step.account_of(e.originator_id), e.service_start, True)  # every missed month, installation


def option_accepted(step: ProjectionStep, e: Any, _position: int) -> None:
    step.accounts.insert(
        t.account_options,
        {"account": step.account_of(e.originator_id), "option": e.option, "pack": e.pack,
         "accepted_on": e.accepted_on, "ended_on": None},
    )
    mark_catch_up(step, step.account_of(e.originator_id), e.accepted_on, True)  # the option from its acceptance on


def option_ended(step: ProjectionStep, e: Any, _position: int) -> None:
    step.accounts.end_option(step.account_of(e.originator_id), e.option, e.ended_on)
    mark_catch_up(step, step.account_of(e.originator_id), e.ended_on, True)


def support_hours_recorded(step: ProjectionStep, e: Any, _position: int) -> None:
    step.accounts.insert(
        t.support_hours, {"account": step.account_of(e.originator_id), "on": e.on, "hours": e.hours, "note": e.note}
    )
    mark_catch_up(step, step.account_of(e.originator_id), e.on, False)


def intervention_recorded(step: ProjectionStep, e: Any, _position: int) -> None:
    step.accounts.insert(
        t.interventions, {"account": step.account_of(e.originator_id), "on": e.on, "hours": e.hours,
                          "description": e.description}
    )
    mark_catch_up(step, step.account_of(e.originator_id), e.on, False)


def termination_notified(step: ProjectionStep, e: Any, _position: int) -> None:
    _update(
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
    mark_catch_up(step, step.account_of(e.originator_id), e.effective_end, False)  # the final invoice's indemnity


HANDLERS: dict[type, Handler] = {
    CustomerAccount.Registered: registered,
    CustomerAccount.ContractSigned: contract_signed,
    CustomerAccount.OptionAccepted: option_accepted,
    CustomerAccount.OptionEnded: option_ended,
    CustomerAccount.SupportHoursRecorded: support_hours_recorded,
    CustomerAccount.InterventionRecorded: intervention_recorded,
    CustomerAccount.TerminationNotified: termination_notified,
}


def _update(step: ProjectionStep, e: Any, **values: Any) -> None:
    """Account events carry the aggregate id only: mapped to the account code via the ids seen."""
    step.accounts.update(step.account_of(e.originator_id), values)


def _mandate_json(mandate: Mandate | None) -> dict[str, Any] | None:
    """The SEPA mandate as the accounts read model keeps it (JSON: the signature date in ISO)."""
    if mandate is None:
        return None
    return {"reference": mandate.reference, "signed_on": mandate.signed_on.isoformat(), "iban": mandate.iban,
            "bic": mandate.bic}
