"""Customers, their contracts and the facts recorded on them (API.md "Customers and their contracts", "Usage")."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from billing.api.deps import AccountsDep, AdminDep, PaymentsDep, UsageDep
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
from billing.commands.accounts import (
    AcceptOption,
    EndOption,
    GrantPenaltyCredit,
    NotifyTermination,
    RecordIntervention,
    RecordSupportHours,
    RegisterCustomer,
    SignContract,
)
from billing.commands.closing import parse_month
from billing.commands.payments import RecordPayment
from billing.services.accounts import AccountService
from billing.services.usage import UsageService
from ledger.account import CustomerAccount

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
def register_customer(body: CustomerIn, accounts: AccountsDep, _: AdminDep) -> dict[str, Any]:
    """Register a customer account (art. 11.1 identifier, SIREN and VAT number checked)."""
    return account_view(accounts.register(RegisterCustomer.from_request(body.model_dump())))


@router.get("/customers/{account}", response_model=AccountOut, tags=["customers"])
def get_customer(account: str, accounts: AccountsDep, _: AdminDep) -> dict[str, Any]:
    """A customer account, its contract and options."""
    return account_view(accounts.get(account))


@router.post("/customers/{account}/contract", status_code=201, response_model=AccountOut, tags=["customers"])
def sign_contract(account: str, body: ContractIn, accounts: AccountsDep, _: AdminDep) -> dict[str, Any]:
    """Record the signed order form: plan from the grid in force at service start, fee, payment method."""
    return account_view(accounts.sign_contract(account, SignContract.from_request(body.model_dump())))


@router.post("/customers/{account}/options", status_code=201, response_model=AccountOut, tags=["customers"])
def accept_option(account: str, body: OptionIn, accounts: AccountsDep, _: AdminDep) -> dict[str, Any]:
    """An option accepted from a date (branding removal, reference opt-out, Advanced Support)."""
    return account_view(accounts.accept_option(account, AcceptOption.from_request(body.model_dump())))


@router.post("/customers/{account}/options/{option}/end", response_model=AccountOut, tags=["customers"])
def end_option(
    account: str, option: str, body: OptionEndIn, accounts: AccountsDep, _: AdminDep
) -> dict[str, Any]:
    """End an active option (its last billed day is ``ended_on``)."""
    return account_view(accounts.end_option(account, EndOption.from_request(option, body.model_dump())))


@router.post("/customers/{account}/support-hours", status_code=201, response_model=RecordedOut, tags=["customers"])
def record_support_hours(account: str, body: HoursIn, accounts: AccountsDep, _: AdminDep) -> dict[str, Any]:
    """Advanced Support hours used on a day."""
    accounts.record_support_hours(account, RecordSupportHours.from_request(body.model_dump()))
    return {"account": account, **body.model_dump()}


@router.post("/customers/{account}/interventions", status_code=201, response_model=RecordedOut, tags=["customers"])
def record_intervention(
    account: str, body: InterventionIn, accounts: AccountsDep, _: AdminDep
) -> dict[str, Any]:
    """Billable out-of-scope work (art. 7.2, 12.6), at the specific-development rate."""
    accounts.record_intervention(account, RecordIntervention.from_request(body.model_dump()))
    return {"account": account, **body.model_dump()}


@router.post(
    "/customers/{account}/penalty-credits", status_code=201, response_model=PenaltyCreditOut, tags=["customers"]
)
def grant_penalty_credit(
    account: str, body: PenaltyCreditIn, accounts: AccountsDep, _: AdminDep
) -> dict[str, Any]:
    """Grant a penalty credit, capped by what was paid in the six months before the incident (§6)."""
    return accounts.grant_penalty_credit(account, GrantPenaltyCredit.from_request(body.model_dump()))


@router.post("/customers/{account}/payments", status_code=201, response_model=RecordedOut, tags=["customers"])
def record_payment(account: str, body: PaymentIn, payments: PaymentsDep, _: AdminDep) -> dict[str, Any]:
    """A payment received for an invoice: what it settled (applied) and what is kept as unapplied credit."""
    command = RecordPayment(body.invoice, body.amount, body.received_on, body.method, body.reference)
    return payments.record(account, command)


@router.post(
    "/customers/{account}/termination", status_code=201, response_model=TerminationOut, tags=["customers"]
)
def notify_termination(
    account: str, body: TerminationIn, accounts: AccountsDep, _: AdminDep
) -> dict[str, Any]:
    """A termination notice: effective end by the notice rules, indemnity when leaving early (§9)."""
    return accounts.notify_termination(account, NotifyTermination.from_request(body.model_dump()))


@router.get("/customers/{account}/usage", response_model=MonthUsageOut, tags=["usage"])
async def month_usage(
    account: str,
    usage: UsageDep,
    accounts: AccountsDep,
    _: AdminDep,
    month: str = Query(..., description="YYYY-MM", examples=["2026-02"]),
) -> dict[str, Any]:
    """Credits booked in a month (late usage included) and the month's cap, prorated in a partial month."""
    return await run_in_threadpool(month_usage_view, usage, accounts, account, month)


def month_usage_view(usage: UsageService, accounts: AccountService, account: str, month_text: str) -> dict[str, Any]:
    billing_month = parse_month(month_text)
    booked = usage.month_statement(account, billing_month)  # read-your-writes: every fact recorded so far
    cap = accounts.month_cap(account, billing_month)  # §4, §5.4
    return {"account": account, "month": str(billing_month), "credits": booked["credits"], "cap": cap,
            "late_usage": booked["late_usage"], "stamped_in_month": booked["stamped_in_month"]}
