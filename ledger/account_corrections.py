"""Corrections of a customer account (issue 9): facts withdrawn, each a past-tense event with its reason.

A mixin of :class:`ledger.account.CustomerAccount`; like ledger/document_lifecycle.py, its mutators
are plain methods and the aggregate declares each event under its own name, one line each, so the
events stay ``CustomerAccount.SupportHoursWithdrawn`` and so on (the read models key on them).
Withdrawn records stay in their lists and their numbers (1 = the first recorded) or ids are kept beside
them: :func:`standing` gives the records still standing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from ledger.account_records import (
    Contract,
    Intervention,
    OptionInterval,
    Payment,
    PenaltyCredit,
    SupportHours,
    Termination,
)
from ledger.errors import Conflict, NotFound
from ledger.grid import OPTION_KINDS
from ledger.input_checks import require_choice, require_date, require_text
from ledger.months import Month

_Record = TypeVar("_Record")


class AccountCorrections:
    """Commands and mutators of the withdrawals; the aggregate names the events."""

    contract: Contract | None
    options: list[OptionInterval]
    payments: list[Payment]
    termination: Termination | None
    _support_hours: list[SupportHours]
    _withdrawn_hours: list[int]
    _interventions: list[Intervention]
    _withdrawn_interventions: list[int]
    _penalty_credits: list[PenaltyCredit]
    _withdrawn_credits: list[str]

    def _require_contract(self) -> Contract:
        raise NotImplementedError  # the aggregate's guard (ledger/account.py)

    @property
    def support_hours(self) -> list[SupportHours]:
        """The support-hours records not withdrawn, in recording order."""
        return standing(self._support_hours, self._withdrawn_hours)

    @property
    def interventions(self) -> list[Intervention]:
        """The interventions not withdrawn, in recording order."""
        return standing(self._interventions, self._withdrawn_interventions)

    # -- corrections (issue 9): each a past-tense event with its reason, kept in the history --
    #
    # A fact may be withdrawn only while no issued invoice can have used it: its month must be
    # after ``closed_through`` (the latest month whose close has started). A closed month's facts
    # are corrected by a credit note instead. To correct a fact, withdraw it and record it again.

    @staticmethod
    def _require_open_month(day: date, closed_through: Month | None, what: str) -> None:
        if closed_through is not None and Month.of(day) <= closed_through:
            raise Conflict(
                f"{what} of {day.isoformat()} belongs to {Month.of(day)}, whose close has started:"
                " correct it with a credit note"
            )

    def withdraw_support_hours(self, number: int, reason: str, closed_through: Month | None) -> None:
        """Withdraw support-hours record ``number`` (1 = the first recorded), e.g. entered twice."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        record = numbered(self._support_hours, self._withdrawn_hours, number, "support-hours record")
        self._require_open_month(record.on, closed_through, "the support-hours record")
        # The record's values travel with the event: the read model finds the row by them.
        self._support_hours_withdrawn(
            number=number, reason=why, on=record.on, hours=record.hours, note=record.note
        )

    def _support_hours_withdrawn(self, number: int, reason: str, on: date, hours: Decimal, note: str) -> None:
        self._withdrawn_hours.append(number)

    def withdraw_intervention(self, number: int, reason: str, closed_through: Month | None) -> None:
        """Withdraw intervention ``number`` (1 = the first recorded), e.g. the same one posted three times."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        record = numbered(self._interventions, self._withdrawn_interventions, number, "intervention")
        self._require_open_month(record.on, closed_through, "the intervention")
        self._intervention_withdrawn(
            number=number, reason=why, on=record.on, hours=record.hours, description=record.description
        )

    def _intervention_withdrawn(
        self, number: int, reason: str, on: date, hours: Decimal, description: str
    ) -> None:
        self._withdrawn_interventions.append(number)

    def withdraw_penalty_credit(self, credit_id: str, reason: str, used: bool) -> None:
        """Withdraw a penalty credit that no issued invoice has deducted (``used`` says one has)."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        if credit_id in self._withdrawn_credits or not any(c.credit_id == credit_id for c in self._penalty_credits):
            raise NotFound(f"penalty credit {credit_id!r} not found", field="id")
        if used:
            raise Conflict(f"penalty credit {credit_id!r} was deducted on an issued invoice: issue a credit note")
        self._penalty_credit_withdrawn(credit_id=credit_id, reason=why)

    def _penalty_credit_withdrawn(self, credit_id: str, reason: str) -> None:
        self._withdrawn_credits.append(credit_id)

    def withdraw_option(self, option: str, accepted_on: date, reason: str, closed_through: Month | None) -> None:
        """Withdraw an option recorded by mistake (the interval accepted on ``accepted_on``)."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        kind = require_choice(option, OPTION_KINDS, "option")
        day = require_date(accepted_on, "accepted_on")
        if not any(o.option == kind and o.accepted_on == day for o in self.options):
            raise NotFound(f"no option {kind} accepted on {day.isoformat()}", field="accepted_on")
        self._require_open_month(day, closed_through, f"option {kind}")
        self._option_withdrawn(option=kind, accepted_on=day, reason=why)

    def _option_withdrawn(self, option: str, accepted_on: date, reason: str) -> None:
        self.options = [o for o in self.options if not (o.option == option and o.accepted_on == accepted_on)]

    def withdraw_contract(self, reason: str, closed_through: Month | None, has_usage: bool) -> None:
        """Withdraw a contract signed by mistake, before anything of it was invoiced or used; it can
        then be signed again with the right terms."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        contract = self._require_contract()
        self._require_open_month(contract.service_start, closed_through, "the contract")
        if has_usage or self.support_hours or self.interventions or self.payments or self.termination is not None:
            raise Conflict("the contract already has usage, hours, payments or a termination: it cannot be withdrawn")
        self._contract_withdrawn(reason=why)

    def _contract_withdrawn(self, reason: str) -> None:
        self.contract = None
        self.options = []


def standing(records: Sequence[_Record], withdrawn: Sequence[int]) -> list[_Record]:
    """The records not withdrawn, in recording order (``withdrawn`` holds numbers, 1 = the first)."""
    if not withdrawn:
        return list(records)
    return [record for number, record in enumerate(records, start=1) if number not in withdrawn]


def numbered(records: Sequence[_Record], withdrawn: Sequence[int], number: int, what: str) -> _Record:
    """Record ``number`` (1 = the first recorded), refused if there is none or it is withdrawn."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(records):
        raise NotFound(f"{what} {number!r} not found", field="number")
    if number in withdrawn:
        raise Conflict(f"{what} {number} is already withdrawn")
    return records[number - 1]
