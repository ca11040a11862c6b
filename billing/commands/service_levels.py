"""Commands on a customer's service level (art. 12, 13; §6), run by ``ServiceLevelService``.

``from_request`` runs the checks the service used to run on its dict, so a bad value is the same 422
naming the same field; the account is checked afterwards, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.errors import InvalidInput
from ledger.input_checks import require_decimal, require_positive_decimal, require_text


def require_instant(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time with its UTC offset: ticket times are instants, never local wall-clock times."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be an ISO 8601 date-time with its offset", field=field)
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} must be an ISO 8601 date-time with its offset", field=field) from None
    if instant.tzinfo is None:
        raise InvalidInput(f"{field} needs its UTC offset (e.g. +01:00)", field=field)
    return instant


@dataclass(frozen=True)
class SetSlaTerms:
    """The order form's SLA terms: GTR (business hours to restore), IMS (business hours of
    interruption a calendar year) and the penalty HT per business hour beyond (art. 12.8, 13)."""

    restoration_hours: Decimal
    yearly_max_hours: Decimal
    penalty_per_hour: Decimal

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> SetSlaTerms:
        restoration = require_positive_decimal(data.get("restoration_hours"), "restoration_hours")
        yearly_max = require_decimal(data.get("yearly_max_hours"), "yearly_max_hours")
        per_hour = require_positive_decimal(data.get("penalty_per_hour"), "penalty_per_hour", max_places=2)
        if yearly_max < 0:
            raise InvalidInput("yearly_max_hours must not be negative", field="yearly_max_hours")
        return cls(restoration, yearly_max, per_hour)


@dataclass(frozen=True)
class OpenIncident:
    """An incident ticket: notified by the customer, or a scheduled interruption (art. 12.4)."""

    reference: str
    notified_at: datetime
    scheduled: bool

    @classmethod
    def from_request(cls, data: Mapping[str, Any]) -> OpenIncident:
        reference = require_text(data.get("reference"), "reference", max_length=64)
        notified_at = require_instant(data.get("notified_at"), "notified_at")
        scheduled = data.get("scheduled", False)
        if not isinstance(scheduled, bool):
            raise InvalidInput("scheduled must be true or false", field="scheduled")
        return cls(reference, notified_at, scheduled)


@dataclass(frozen=True)
class IncidentStep:
    """The instant FLEXIO confirmed an interruption, or notified its restoration."""

    reference: str
    at: datetime

    @classmethod
    def from_request(cls, reference: str, data: Mapping[str, Any]) -> IncidentStep:
        return cls(reference, require_instant(data.get("at"), "at"))
