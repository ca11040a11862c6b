"""Disputes and other customer cases (API.md "Disputes", BILLING_RULES §8)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from billing.api.deps import AdminDep, CasesDep
from billing.api.routes.usage import read_limited_body
from billing.commands.cases import AcceptOptionRequest, AnswerCase, ConfirmTermination, ResolveCase
from billing.services.case_intake import MAX_MESSAGE_BYTES

router = APIRouter(prefix="/v1/admin/disputes", tags=["disputes"])

ACCEPTED_TYPES = ("message/rfc822", "text/plain", "application/octet-stream")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(description="rejected | accepted")
    amount_ht: str | None = Field(None, description="accepted disputes: the amount HT of the credit note")
    note: str | None = Field(None, max_length=2000)


class TerminationConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str | None = Field(None, description="end_of_period | early | interruption (default: what the email asks)")
    requested_end: str | None = Field(None, description="YYYY-MM-DD, when the customer asked for a date")


class OptionAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accepted_on: str | None = Field(None, description="YYYY-MM-DD, default today: the option is billed from it")


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=5000)


def response_of(view: dict[str, Any]) -> dict[str, Any]:
    """API.md's fields first; the case's life and finance's extras after them."""
    return view


@router.post(
    "/emails",
    status_code=201,
    openapi_extra={"requestBody": {"content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def receive_email(request: Request, cases: CasesDep, _: AdminDep) -> dict[str, Any]:
    """Record a raw RFC 5322 message sent to compta@flexio.fr: the same Message-ID gives the same case."""
    content_type = request.headers.get("content-type", "message/rfc822").split(";", 1)[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise HTTPException(415, f"send the raw message as message/rfc822, not {content_type}")
    raw = await read_limited_body(request, MAX_MESSAGE_BYTES)  # 413 as soon as it passes the limit
    view: dict[str, Any] = await run_in_threadpool(cases.record_email, raw)
    return response_of(view)


@router.get("")
def list_cases(
    cases: CasesDep,
    _: AdminDep,
    status: str | None = Query(None, description="open | acknowledged | answered | resolved | filed"),
    kind: str | None = Query(None, description="dispute | termination | other"),
) -> dict[str, Any]:
    """Cases by receipt time, optionally one status or kind."""
    return {"cases": cases.list_cases(status=status, kind=kind)}


class QuarantinedMailOut(BaseModel):
    message_id: str = Field(description="the Message-ID header, made safe (every control character as \\uXXXX)")
    sender: str = Field(description="the From address, made safe")
    subject: str = Field(description="the Subject, made safe and cut to 500 characters")
    received_at: str = Field(description="when the poller set it aside (ISO 8601)")
    reason: str = Field(description="why it could not be recorded")
    field: str | None = Field(description="the field refused, when the reason names one")
    sha256: str = Field(description="SHA-256 of the message as received")
    size: int = Field(description="bytes of the message")


class QuarantineOut(BaseModel):
    messages: list[QuarantinedMailOut]


@router.get("/quarantine", response_model=QuarantineOut)
def list_quarantine(cases: CasesDep, _: AdminDep) -> dict[str, Any]:
    """Messages the IMAP poller could not record as cases (issue 17), oldest first: each one was moved
    to the mailbox's `Quarantine` folder, never deleted and never half-recorded, for finance to read."""
    return {"messages": cases.quarantined()}


@router.get("/{case}")
def get_case(case: str, cases: CasesDep, _: AdminDep) -> dict[str, Any]:
    """One case, with the message's text and attachments."""
    return cases.get(case)


@router.get("/{case}/message", response_class=Response, responses={200: {"content": {"message/rfc822": {}}}})
def get_case_message(case: str, cases: CasesDep, _: AdminDep) -> Response:
    """The message exactly as received, attachments included (checked against its SHA-256)."""
    return Response(cases.raw_message(case), media_type="message/rfc822")


@router.post("/{case}/resolve")
def resolve_case(case: str, body: ResolveIn, cases: CasesDep, _: AdminDep) -> dict[str, Any]:
    """Close a case: rejected, or accepted with the amount HT of its credit note."""
    return cases.resolve(case, ResolveCase.from_request(body.model_dump()))


@router.post("/{case}/confirm-termination")
def confirm_termination(case: str, body: TerminationConfirmIn, cases: CasesDep, _: AdminDep) -> dict[str, Any]:
    """Confirm a termination email into the customer's termination (§9), notified on the day received."""
    asked = cases.termination_to_confirm(case)  # 404 / 409 before the request's own values, as always
    return cases.confirm_termination(case, ConfirmTermination.from_request(body.model_dump(), asked))


@router.post("/{case}/accept-option")
def accept_option_request(case: str, body: OptionAcceptIn, cases: CasesDep, _: AdminDep) -> dict[str, Any]:
    """Accept a reference opt-out request mailed to privacy@flexio.fr (art. 17.1) as the customer's option."""
    cases.option_request_to_accept(case)  # 404 / 409 before the request's own values, as always
    return cases.accept_option_request(case, AcceptOptionRequest.from_request(body.model_dump()))


@router.post("/{case}/answer")
def answer_case(case: str, body: AnswerIn, cases: CasesDep, _: AdminDep) -> dict[str, Any]:
    """Record that finance answered the customer (due by the 7th day after receipt, §8)."""
    return cases.answer(case, AnswerCase(body.note))
