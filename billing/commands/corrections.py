"""Corrections (issue 9): a record replaced by the right one, an option withdrawn; run by ``CorrectionService``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from billing.commands.accounts import RecordIntervention, RecordSupportHours
from ledger.input_checks import require_date


@dataclass(frozen=True)
class CorrectSupportHours:
    """Withdraw support-hours record ``number`` (1 = the first) and record ``record`` instead, in one save."""

    number: int
    reason: str
    record: RecordSupportHours

    @classmethod
    def from_request(cls, number: int, reason: str, record: Mapping[str, Any]) -> CorrectSupportHours:
        return cls(number, reason, RecordSupportHours.from_request(record))


@dataclass(frozen=True)
class CorrectIntervention:
    """Withdraw intervention ``number`` and record ``record`` instead, in one save."""

    number: int
    reason: str
    record: RecordIntervention

    @classmethod
    def from_request(cls, number: int, reason: str, record: Mapping[str, Any]) -> CorrectIntervention:
        return cls(number, reason, RecordIntervention.from_request(record))


@dataclass(frozen=True)
class WithdrawOption:
    """Withdraw the interval of ``option`` accepted on ``accepted_on`` (accepted by mistake)."""

    option: str
    accepted_on: date
    reason: str

    @classmethod
    def from_request(cls, option: str, accepted_on: str, reason: str) -> WithdrawOption:
        return cls(option, require_date(accepted_on, "accepted_on"), reason)
