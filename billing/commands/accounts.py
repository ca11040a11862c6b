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


def _given(data: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """A value as the request gave it: the aggregate's command checks its presence, type and range in
    its own order (guard, then mutate), so the 422 a bad value gets is the one it always got."""
    return data.get(name, default)


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
        return cls(_given(data, "account"), _given(data, "legal_name"), _given(data, "siren"),
                   _given(data, "vat_number"), _given(data, "vat_regime"), _given(data, "billing_email"),
                   _given(data, "address"))


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
        start = require_date(_given(data, "service_start"), "service_start")
        plan = _given(data, "plan")
        return cls(plan, start, require_money(_given(data, "installation_fee", "0.00"), "installation_fee"),
                   _given(data, "freemium", False), _given(data, "payment_method"), _given(data, "mandate"))


@dataclass(frozen=True)
class AcceptOption:
    option: str
    pack: str | None
    accepted_on: date

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> AcceptOption:
        day = require_date(_given(data, "accepted_on"), "accepted_on")
        return cls(_given(data, "option"), _given(data, "pack"), day)


@dataclass(frozen=True)
class EndOption:
    option: str
    ended_on: date

    @classmethod
    def from_request(cls, option: str, data: Mapping[str, Any]) -> EndOption:
        return cls(option, require_date(_given(data, "ended_on"), "ended_on"))


@dataclass(frozen=True)
class RecordSupportHours:
    """Advanced Support hours used on a day (art. 12.3)."""

    on: date
    hours: Decimal
    note: str = ""

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> RecordSupportHours:
        return cls(require_date(_given(data, "on"), "on"), _hours(_given(data, "hours")), _given(data, "note", ""))


@dataclass(frozen=True)
class RecordIntervention:
    """Billable out-of-scope work (art. 7.2, 12.6)."""

    on: date
    hours: Decimal
    description: str

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> RecordIntervention:
        return cls(require_date(_given(data, "on"), "on"), _hours(_given(data, "hours")), _given(data, "description"))


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
        requested = require_money(_given(data, "amount"), "amount", positive=True)
        return cls(_given(data, "id"), requested, _given(data, "reason"),
                   require_date(_given(data, "incident_on"), "incident_on"),
                   require_date(_given(data, "granted_on"), "granted_on"))


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
        notified_on = require_date(_given(data, "notified_on"), "notified_on")
        requested_end = optional_date(_given(data, "requested_end"), "requested_end")
        return cls(notified_on, _given(data, "channel"), requested_end,
                   _given(data, "initiated_by") or "customer", _given(data, "reason") or "notice")
