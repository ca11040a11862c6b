"""Customers, their contracts and the facts recorded on them (API.md "Customers and their contracts", "Usage")."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from billing.api.deps import AdminDep, ContainerDep
from billing.api.responses import AccountOut, MonthUsageOut, RecordedOut
from billing.api.schemas import (
    ContractIn,
    CustomerIn,
    HoursIn,
    InterventionIn,
    OptionEndIn,
    OptionIn,
    PaymentIn,
    PenaltyCreditIn,
    PenaltyCreditOut,
    TerminationIn,
    TerminationOut,
)
from billing.services.closing import parse_month
from ledger.account import CustomerAccount
from pricing.proration import prorated_cap, service_days

router = APIRouter(prefix="/v1/admin")


def account_view(customer: CustomerAccount) -> dict[str, Any]:
    contract = customer.contract
    termination = customer.termination
    return {
        "account": customer.account,
        "legal_name": customer.legal_name,
        "siren": customer.siren,
        "vat_number": customer.vat_number,
        "vat_regime": customer.vat_regime,
        "billing_email": customer.billing_email,
        "address": asdict(customer.address),
        "contract": None
        if contract is None
        else {
            "plan": contract.plan,
            "plan_grid_version": contract.plan_grid_version,
            "service_start": contract.service_start.isoformat(),
            "installation_fee": str(contract.installation_fee),
            "freemium": contract.freemium,
            "payment_method": contract.payment_method,
            "mandate": None if contract.mandate is None else {"reference": contract.mandate.reference},
        },
        "options": [
            {
                "option": o.option,
                "pack": o.pack,
                "accepted_on": o.accepted_on.isoformat(),
                "ended_on": None if o.ended_on is None else o.ended_on.isoformat(),
            }
            for o in customer.options
        ],
        "termination": None
        if termination is None
        else {"effective_end": termination.effective_end.isoformat(), "early": termination.early},
    }


@router.post("/customers", status_code=201, response_model=AccountOut, tags=["customers"])
def register_customer(body: CustomerIn, container: ContainerDep, _: AdminDep) -> dict[str, Any]:
    """Register a customer account (art. 11.1 identifier, SIREN and VAT number checked)."""
    return account_view(container.accounts.register(body.model_dump()))


@router.get("/customers/{account}", response_model=AccountOut, tags=["customers"])
def get_customer(account: str, container: ContainerDep, _: AdminDep) -> dict[str, Any]:
    """A customer account, its contract and options."""
    return account_view(container.accounts.get(account))


@router.post("/customers/{account}/contract", status_code=201, response_model=AccountOut, tags=["customers"])
def sign_contract(account: str, body: ContractIn, container: ContainerDep, _: AdminDep) -> dict[str, Any]:
    """Record the signed order form: plan from the grid in force at service start, fee, payment method."""
    return account_view(container.accounts.sign_contract(account, body.model_dump()))


@router.post("/customers/{account}/options", status_code=201, response_model=AccountOut, tags=["customers"])
def accept_option(account: str, body: OptionIn, container: ContainerDep, _: AdminDep) -> dict[str, Any]:
    """An option accepted from a date (branding removal, reference opt-out, Advanced Support)."""
    return account_view(container.accounts.accept_option(account, body.model_dump()))


@router.post("/customers/{account}/options/{option}/end", response_model=AccountOut, tags=["customers"])
def end_option(
    account: str, option: str, body: OptionEndIn, container: ContainerDep, _: AdminDep
) -> dict[str, Any]:
    """End an active option (its last billed day is ``ended_on``)."""
    return account_view(container.accounts.end_option(account, option, body.model_dump()))


@router.post("/customers/{account}/support-hours", status_code=201, response_model=RecordedOut, tags=["customers"])
def record_support_hours(account: str, body: HoursIn, container: ContainerDep, _: AdminDep) -> dict[str, Any]:
    """Advanced Support hours used on a day."""
    container.accounts.record_support_hours(account, body.model_dump())
    return {"account": account, **body.model_dump()}


@router.post("/customers/{account}/interventions", status_code=201, response_model=RecordedOut, tags=["customers"])
def record_intervention(
    account: str, body: InterventionIn, container: ContainerDep, _: AdminDep
) -> dict[str, Any]:
    """Billable out-of-scope work (art. 7.2, 12.6), at the specific-development rate."""
    container.accounts.record_intervention(account, body.model_dump())
    return {"account": account, **body.model_dump()}


@router.post(
    "/customers/{account}/penalty-credits", status_code=201, response_model=PenaltyCreditOut, tags=["customers"]
)
def grant_penalty_credit(
    account: str, body: PenaltyCreditIn, container: ContainerDep, _: AdminDep
) -> dict[str, Any]:
    """Grant a penalty credit, capped by what was paid in the six months before the incident (§6)."""
    return container.accounts.grant_penalty_credit(account, body.model_dump())


@router.post("/customers/{account}/payments", status_code=201, response_model=RecordedOut, tags=["customers"])
def record_payment(account: str, body: PaymentIn, container: ContainerDep, _: AdminDep) -> dict[str, Any]:
    """A payment received for an invoice: what it settled (applied) and what is kept as unapplied credit."""
    return container.payments.record(account, body.model_dump())


@router.post(
    "/customers/{account}/termination", status_code=201, response_model=TerminationOut, tags=["customers"]
)
def notify_termination(
    account: str, body: TerminationIn, container: ContainerDep, _: AdminDep
) -> dict[str, Any]:
    """A termination notice: effective end by the notice rules, indemnity when leaving early (§9)."""
    return container.accounts.notify_termination(account, body.model_dump())


@router.get("/customers/{account}/usage", response_model=MonthUsageOut, tags=["usage"])
async def month_usage(
    account: str,
    container: ContainerDep,
    _: AdminDep,
    month: str = Query(..., description="YYYY-MM", examples=["2026-02"]),
) -> dict[str, Any]:
    """Credits booked in a month (late usage included) and the month's cap, prorated in a partial month."""
    return await run_in_threadpool(_month_usage, container, account, month)


def _month_usage(container: Any, account: str, month_text: str) -> dict[str, Any]:
    billing_month = parse_month(month_text)
    container.projector.catch_up()
    usage = container.usage.month_usage(account, billing_month)
    customer = container.accounts.get(account)
    cap = None
    contract = customer.contract
    if contract is not None:
        grid = container.catalogue.in_force(billing_month.first_day)  # §4
        end = customer.termination.effective_end if customer.termination else None
        days = service_days(billing_month, contract.service_start, end)
        cap = prorated_cap(grid.plan(contract.plan).included_credits, days, billing_month.days)
    return {"account": account, "month": str(billing_month), "credits": usage["credits"], "cap": cap,
            "late_usage": usage["late_usage"], "stamped_in_month": usage["stamped_in_month"]}
