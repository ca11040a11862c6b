"""Commands on a customer account (API.md "Customers and their contracts"), run by ``AccountService``.

``from_request`` turns a request body (the route's pydantic model, dumped) into the command with the
checks the service used to run on its dict, so a bad value is the same 422 naming the same field.
The account aggregate checks the rules between values (and the ranges) again when it runs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.input_checks import optional_date, require_date, require_decimal, require_money
from ledger.money import Money


def _hours(value: Any) -> Decimal:
    """Hours as a decimal; the aggregate checks the range (more than 0, at most 744) after its own checks."""
    return require_decimal(value, "hours", max_places=2)


@dataclass(frozen=True)
class RegisterCustomer:
    account: str
    legal_name: str
    siren: str | None
    vat_number: str | None
    vat_regime: str
    billing_email: str
    address: Mapping[str, Any]

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> RegisterCustomer:
        return cls(data.get("account"), data.get("legal_name"), data.get("siren"),  # type: ignore[arg-type]
                   data.get("vat_number"), data.get("vat_regime"), data.get("billing_email"),  # type: ignore[arg-type]
                   data.get("address"))  # type: ignore[arg-type]


@dataclass(frozen=True)
class SignContract:
    """The signed order form; the plan is checked against the grid in force at ``service_start``."""

    plan: str
    service_start: date
    installation_fee: Money
    freemium: bool
    payment_method: str
    mandate: Mapping[str, Any] | None

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> SignContract:
        start = require_date(data.get("service_start"), "service_start")
        plan = data.get("plan")
        return cls(plan, start, require_money(data.get("installation_fee", "0.00"), "installation_fee"),  # type: ignore[arg-type]
                   data.get("freemium", False), data.get("payment_method"), data.get("mandate"))  # type: ignore[arg-type]


@dataclass(frozen=True)
class AcceptOption:
    option: str
    pack: str | None
    accepted_on: date

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> AcceptOption:
        day = require_date(data.get("accepted_on"), "accepted_on")
        return cls(data.get("option"), data.get("pack"), day)  # type: ignore[arg-type]


@dataclass(frozen=True)
class EndOption:
    option: str
    ended_on: date

    @classmethod
    def from_request(cls, option: str, data: Mapping[str, Any]) -> EndOption:
        return cls(option, require_date(data.get("ended_on"), "ended_on"))


@dataclass(frozen=True)
class RecordSupportHours:
    """Advanced Support hours used on a day (art. 12.3)."""

    on: date
    hours: Decimal
    note: str = ""

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> RecordSupportHours:
        return cls(require_date(data.get("on"), "on"), _hours(data.get("hours")), data.get("note", ""))


@dataclass(frozen=True)
class RecordIntervention:
    """Billable out-of-scope work (art. 7.2, 12.6)."""

    on: date
    hours: Decimal
    description: str

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> RecordIntervention:
        return cls(require_date(data.get("on"), "on"), _hours(data.get("hours")), data.get("description"))  # type: ignore[arg-type]


@dataclass(frozen=True)
class GrantPenaltyCredit:
    """A penalty credit (§6); ``credit_id`` None: a new random id."""

    credit_id: str | None
    amount: Money
    reason: str
    incident_on: date
    granted_on: date

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> GrantPenaltyCredit:
        requested = require_money(data.get("amount"), "amount", positive=True)
        return cls(data.get("id"), requested, data.get("reason"),  # type: ignore[arg-type]
                   require_date(data.get("incident_on"), "incident_on"), require_date(data.get("granted_on"), "granted_on"))


@dataclass(frozen=True)
class NotifyTermination:
    """A termination notice (art. 9.3, 14; §9): who initiated it and why decide the end and the indemnity."""

    notified_on: date
    channel: str
    requested_end: date | None
    initiated_by: str = "customer"
    reason: str = "notice"

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> NotifyTermination:
        notified_on = require_date(data.get("notified_on"), "notified_on")
        requested_end = optional_date(data.get("requested_end"), "requested_end")
        return cls(notified_on, data.get("channel"), requested_end,  # type: ignore[arg-type]
                   data.get("initiated_by") or "customer", data.get("reason") or "notice")
