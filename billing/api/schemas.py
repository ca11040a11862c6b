"""Request and response models. Each field has its documented range (billing/api/fields.py); the
domain checks the rules between values (and the same ranges again) and names bad fields."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from billing.api.fields import (
    AddressLine,
    Amount,
    City,
    Code,
    Code64,
    Country,
    Day,
    Email,
    Hours,
    Identifier,
    MandateReference,
    Name,
    Note,
    OptionalLine,
    Paragraph,
    Percent,
    Postcode,
    Reference,
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenIn(Body):
    role: Literal["admin", "ingest", "customer"]
    account: Code64 | None = None


class TokenOut(BaseModel):
    id: str
    token: str = Field(description="The secret, shown once")


class TokenInfo(BaseModel):
    id: str
    role: Literal["admin", "ingest", "customer"]
    account: str | None
    created_at: str
    revoked: bool


class TokenList(BaseModel):
    tokens: list[TokenInfo]


class PriceGridIn(Body):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "version": "2026-A",
                "effective_from": "2026-01-01",
                "notified_on": "2025-11-20",
                "vat_rate": "20.00",
                "plans": [
                    {"code": "PRO", "name": "Flexio Pro", "monthly_fee": "500.00", "included_credits": 40000,
                     "overage_block_credits": 500, "overage_block_price": "2.50"}
                ],
                "options": {
                    "branding_removal": {"percent_of_plan": "10.00"},
                    "reference_opt_out": {"monthly_fee": "40.00"},
                    "advanced_support": [
                        {"code": "AS4", "hours": 4, "monthly_fee": "380.00", "extra_hour_price": "95.00"}
                    ],
                },
                "hourly_rates": {"specific_development": "100.00"},
            }
        },
    )
    version: Code64
    effective_from: Day
    notified_on: Day
    vat_rate: Percent | None = None  # optional: records a VAT rate from effective_from (§4)
    plans: list[dict[str, Any]]
    options: dict[str, Any]
    hourly_rates: dict[str, Any]


class AddressIn(Body):
    line1: AddressLine
    line2: OptionalLine | None = None
    postcode: Postcode
    city: City
    country: Country


class CustomerIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "account": "acme", "legal_name": "ACME SAS", "siren": "312456783",
                "vat_number": "FR94312456783", "vat_regime": "standard", "billing_email": "factures@acme.fr",
                "address": {"line1": "1 rue X", "postcode": "25000", "city": "Besançon", "country": "FR"},
            }
        },
    )
    account: Code64
    legal_name: Name
    siren: Identifier | None = None
    vat_number: Identifier | None = None
    vat_regime: Code
    billing_email: Email
    address: AddressIn


class MandateIn(Body):
    reference: MandateReference
    signed_on: Day
    iban: Identifier
    bic: Identifier | None = None


class ContractIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "plan": "PRO", "service_start": "2026-02-10", "installation_fee": "800.00", "freemium": False,
                "payment_method": "sepa_debit",
                "mandate": {"reference": "RUM-ACME-001", "signed_on": "2026-02-01",
                            "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"},
            }
        },
    )
    plan: Code64
    service_start: Day
    installation_fee: Amount = "0.00"
    freemium: bool = False
    payment_method: Code
    mandate: MandateIn | None = None


class OptionIn(Body):
    option: Code
    pack: Code | None = None
    accepted_on: Day


class OptionEndIn(Body):
    ended_on: Day


class HoursIn(Body):
    on: Day
    hours: Hours
    note: Note = ""


class InterventionIn(Body):
    on: Day
    hours: Hours
    description: Paragraph


class PenaltyCreditIn(Body):
    id: Code64 | None = None
    amount: Amount
    reason: Paragraph
    incident_on: Day
    granted_on: Day


class PenaltyCreditOut(BaseModel):
    id: str
    requested: Amount
    granted: Amount
    capped: bool


class PaymentIn(Body):
    invoice: Code
    amount: Amount
    received_on: Day
    method: Code
    reference: Reference = ""


class TerminationIn(Body):
    notified_on: Day
    channel: Code
    requested_end: Day | None = None
    initiated_by: Code = "customer"  # §9: customer | flexio
    reason: Code = "notice"  # §9: notice | breach | interruption | freemium_notice


class TerminationOut(BaseModel):
    effective_end: Day
    early: bool
    indemnity: Amount


class UsageOut(BaseModel):
    accepted: int
    duplicates: int


class CloseIn(Body):
    issue_date: Day | None = None


class CloseOut(BaseModel):
    month: str
    status: Literal["open", "closing", "closed"]
    job: str | None


class ProjectionState(BaseModel):
    """The event the read-model projector stopped at, and why."""

    position: int
    event_id: str
    event: str
    error: str


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    projection: ProjectionState | None = None


class ErrorDetail(BaseModel):
    code: str = Field(examples=["invalid"])
    message: str
    details: Any = Field(None, description="The offending fields ({\"field\": …} or {\"fields\": [...]}) or a list")


class ErrorOut(BaseModel):
    """Every error: {"error": {"code", "message", "details"}} (API.md "Errors")."""

    error: ErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# Documented on every route (billing/api/app.py): the real shape of each error status.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error("No valid bearer token"),
    403: _error("The token's role may not call this endpoint"),
    404: _error("Unknown resource (or another account's)"),
    409: _error("State conflict (a duplicate with other content, an out-of-order close, a reused Idempotency-Key)"),
    413: _error("Request body too large"),
    422: _error("Invalid input, naming the offending fields"),
    503: _error("Unavailable (Retry-After): the database unreachable, or the read models behind or stopped"),
}
