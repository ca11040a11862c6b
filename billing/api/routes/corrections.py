"""Corrections as events (issue 9): withdrawals with a reason, and the account's history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from billing.api.deps import AdminDep, CorrectionsDep
from billing.api.fields import Code, Day, Paragraph
from billing.api.schemas import Body, HoursIn, InterventionIn
from billing.commands.corrections import CorrectIntervention, CorrectSupportHours, WithdrawOption

router = APIRouter(prefix="/v1/admin", tags=["corrections"])


class WithdrawIn(Body):
    reason: Paragraph


class HoursCorrectionIn(HoursIn):
    reason: Paragraph


class InterventionCorrectionIn(InterventionIn):
    reason: Paragraph


class OptionWithdrawIn(Body):
    accepted_on: Day
    reason: Paragraph


class WithdrawnOut(BaseModel):
    withdrawn: str
    reason: str


class HistoryEntry(BaseModel):
    version: int
    event: str
    recorded_at: str
    facts: dict[str, Any]


class HistoryOut(BaseModel):
    account: str
    events: list[HistoryEntry]


RecordNumber = Path(ge=1, le=1_000_000, description="1 = the first record of that kind (see the history)")


@router.post("/customers/{account}/support-hours/{number}/withdraw", response_model=WithdrawnOut)
def withdraw_support_hours(
    account: str, body: WithdrawIn, corrections: CorrectionsDep, _: AdminDep, number: int = RecordNumber
) -> dict[str, str]:
    """Withdraw a support-hours record whose month has not been closed."""
    corrections.withdraw_support_hours(account, number, body.reason)
    return {"withdrawn": f"support-hours/{number}", "reason": body.reason}


@router.post("/customers/{account}/interventions/{number}/withdraw", response_model=WithdrawnOut)
def withdraw_intervention(
    account: str, body: WithdrawIn, corrections: CorrectionsDep, _: AdminDep, number: int = RecordNumber
) -> dict[str, str]:
    """Withdraw an intervention whose month has not been closed (e.g. one posted twice)."""
    corrections.withdraw_intervention(account, number, body.reason)
    return {"withdrawn": f"interventions/{number}", "reason": body.reason}


@router.post("/customers/{account}/support-hours/{number}/correct", response_model=WithdrawnOut)
def correct_support_hours(
    account: str, body: HoursCorrectionIn, corrections: CorrectionsDep, _: AdminDep, number: int = RecordNumber
) -> dict[str, str]:
    """Replace a support-hours record (withdrawn with the reason) by the corrected one, in one save."""
    record = body.model_dump(exclude={"reason"})
    corrections.correct_support_hours(account, CorrectSupportHours.from_request(number, body.reason, record))
    return {"withdrawn": f"support-hours/{number}", "reason": body.reason}


@router.post("/customers/{account}/interventions/{number}/correct", response_model=WithdrawnOut)
def correct_intervention(
    account: str, body: InterventionCorrectionIn, corrections: CorrectionsDep, _: AdminDep, number: int = RecordNumber
) -> dict[str, str]:
    """Replace an intervention (withdrawn with the reason) by the corrected one, in one save."""
    record = body.model_dump(exclude={"reason"})
    corrections.correct_intervention(account, CorrectIntervention.from_request(number, body.reason, record))
    return {"withdrawn": f"interventions/{number}", "reason": body.reason}


@router.post("/customers/{account}/penalty-credits/{credit_id}/withdraw", response_model=WithdrawnOut)
def withdraw_penalty_credit(
    account: str, credit_id: str, body: WithdrawIn, corrections: CorrectionsDep, _: AdminDep
) -> dict[str, str]:
    """Withdraw a penalty credit that no issued invoice has deducted."""
    corrections.withdraw_penalty_credit(account, credit_id, body.reason)
    return {"withdrawn": f"penalty-credits/{credit_id}", "reason": body.reason}


@router.post("/customers/{account}/options/{option}/withdraw", response_model=WithdrawnOut)
def withdraw_option(
    account: str, option: Code, body: OptionWithdrawIn, corrections: CorrectionsDep, _: AdminDep
) -> dict[str, str]:
    """Withdraw an option accepted by mistake, while its month has not been closed."""
    corrections.withdraw_option(account, WithdrawOption.from_request(option, body.accepted_on, body.reason))
    return {"withdrawn": f"options/{option}/{body.accepted_on}", "reason": body.reason}


@router.post("/customers/{account}/contract/withdraw", response_model=WithdrawnOut)
def withdraw_contract(account: str, body: WithdrawIn, corrections: CorrectionsDep, _: AdminDep) -> dict[str, str]:
    """Withdraw a contract signed by mistake, before any usage, hours, payment or close; sign it again after."""
    corrections.withdraw_contract(account, body.reason)
    return {"withdrawn": "contract", "reason": body.reason}


@router.post("/price-grids/{version}/withdraw", response_model=WithdrawnOut)
def withdraw_price_grid(version: str, body: WithdrawIn, corrections: CorrectionsDep, _: AdminDep) -> dict[str, str]:
    """Withdraw a grid version not yet in force and used by no contract (it may then be published again)."""
    corrections.withdraw_grid(version, body.reason)
    return {"withdrawn": f"price-grids/{version}", "reason": body.reason}


@router.get("/customers/{account}/history", response_model=HistoryOut)
def account_history(account: str, corrections: CorrectionsDep, _: AdminDep) -> dict[str, Any]:
    """Every fact recorded on the account and every correction, with its reason, oldest first."""
    return {"account": account, "events": corrections.history(account)}
