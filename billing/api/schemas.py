"""Request and response models. Shapes only: the domain checks the values and names bad fields."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Amount = str  # "1234.50": amounts travel as strings with two decimals (API.md)
Day = str  # "2026-03-17"


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenIn(Body):
    role: Literal["admin", "ingest", "customer"]
    account: str | None = None


class TokenOut(BaseModel):
    token: str


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
    version: str
    effective_from: Day
    notified_on: Day
    vat_rate: str | None = None
    plans: list[dict[str, Any]]
    options: dict[str, Any]
    hourly_rates: dict[str, Any]


class AddressIn(Body):
    line1: str
    line2: str | None = None
    postcode: str
    city: str
    country: str


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
    account: str
    legal_name: str
    siren: str | None = None
    vat_number: str | None = None
    vat_regime: str
    billing_email: str
    address: AddressIn


class MandateIn(Body):
    reference: str
    signed_on: Day
    iban: str
    bic: str | None = None


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
    plan: str
    service_start: Day
    installation_fee: Amount = "0.00"
    freemium: bool = False
    payment_method: str
    mandate: MandateIn | None = None


class OptionIn(Body):
    option: str
    pack: str | None = None
    accepted_on: Day


class OptionEndIn(Body):
    ended_on: Day


class HoursIn(Body):
    on: Day
    hours: str = Field(description="Decimal hours as a string, e.g. \"2.5\"")
    note: str = ""


class InterventionIn(Body):
    on: Day
    hours: str
    description: str


class PenaltyCreditIn(Body):
    id: str | None = None
    amount: Amount
    reason: str
    incident_on: Day
    granted_on: Day


class PenaltyCreditOut(BaseModel):
    id: str
    requested: Amount
    granted: Amount
    capped: bool


class PaymentIn(Body):
    invoice: str
    amount: Amount
    received_on: Day
    method: str
    reference: str = ""


class TerminationIn(Body):
    notified_on: Day
    channel: str
    requested_end: Day | None = None
    initiated_by: str = "customer"  # §9: customer | flexio
    reason: str = "notice"  # §9: notice | breach | interruption | freemium_notice


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
