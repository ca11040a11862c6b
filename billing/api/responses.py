"""Typed response models, so the OpenAPI page says what each endpoint answers (API.md shapes).

Each model allows extra fields: it documents the fields the contract fixes without dropping the
ones a handler adds (API.md: "more fields are yours to add")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class AddressOut(Out):
    line1: str
    line2: str | None = None
    postcode: str
    city: str
    country: str


class MandateOut(Out):
    reference: str


class ContractOut(Out):
    plan: str
    plan_grid_version: str
    service_start: str
    installation_fee: str
    freemium: bool
    payment_method: str
    mandate: MandateOut | None = None


class OptionOut(Out):
    option: str
    pack: str | None = None
    accepted_on: str
    ended_on: str | None = None


class AccountTerminationOut(Out):
    effective_end: str
    early: bool


class AccountOut(Out):
    account: str
    legal_name: str
    siren: str | None = None
    vat_number: str | None = None
    vat_regime: str
    billing_email: str
    address: AddressOut
    contract: ContractOut | None = None
    options: list[OptionOut] = []
    termination: AccountTerminationOut | None = None


class PlanOut(Out):
    code: str
    name: str
    monthly_fee: str
    included_credits: int
    overage_block_credits: int
    overage_block_price: str


class PriceGridOut(Out):
    version: str
    effective_from: str
    notified_on: str
    vat_rate: str | None = None
    plans: list[PlanOut]
    options: dict[str, Any]
    hourly_rates: dict[str, Any]


class PriceGridList(Out):
    price_grids: list[PriceGridOut]


class InvoiceLineOut(Out):
    kind: str
    label: str
    quantity: str | None = None
    unit_price: str | None = None
    amount: str


class DraftInvoiceOut(Out):
    account: str
    month: str
    issue_date: str
    due_date: str
    dispute_deadline: str | None = None
    lines: list[InvoiceLineOut]
    total_ht: str
    vat_rate: str
    total_vat: str
    total_ttc: str


class LifecycleReasonOut(Out):
    code: str | None = Field(None, description="CDAR MDT-113, e.g. TX_TVA_ERR")
    text: str | None = Field(None, description="CDAR MDT-114")


class LifecycleEntryOut(Out):
    """A lifecycle status the plateforme agréée reported (XP Z12-012; issue 22)."""

    code: str = Field(description="the status code, e.g. 200 (Déposée), 212 (Encaissée), 213 (Rejetée)")
    label: str | None = Field(None, description="its French label")
    at: str = Field(description="when the status was deposited (ISO 8601)")
    reason: list[LifecycleReasonOut] | None = None


class TransmissionOut(Out):
    """The invoice's transmission to the plateforme agréée (issue 22)."""

    status: Literal["transmitted", "rejected"]
    flow_id: str | None = Field(None, description="the platform's flowId")
    at: str | None = Field(None, description="when it was transmitted or refused (ISO 8601)")
    error: dict[str, Any] | None = Field(None, description="a refusal: {status, code, message, reasons}")


class InvoiceOut(DraftInvoiceOut):
    number: str
    status: str = Field(description="issued | disputed | accepted | credited")
    payment_status: Literal["unpaid", "partial", "paid", "late"]
    pdf: str
    lifecycle: list[LifecycleEntryOut] = Field(default_factory=list, description="issue 22: the platform's statuses")
    transmission: TransmissionOut | None = Field(None, description="issue 22: its transmission to the platform")


class LifecycleRecordedOut(Out):
    invoice: str
    code: str
    recorded: bool = Field(description="false when the same status was already recorded")


class InvoiceList(Out):
    invoices: list[InvoiceOut]


class CustomerInvoiceList(InvoiceList):
    account: str


class PreviewOut(Out):
    month: str
    invoices: list[DraftInvoiceOut]


class MonthStateOut(Out):
    month: str
    status: Literal["open", "closing", "closed", "failed"]
    invoices: int
    total_ht: str
    total_ttc: str


class MonthUsageOut(Out):
    account: str
    month: str
    credits: int
    cap: int | None = None


class RecordedOut(Out):
    """The recorded fact, echoed with its account."""

    account: str
