"""The account's records: contract, options, hours, interventions, payments, credits, termination.

Frozen value types of what a customer account holds and the checks of the contract's input (the
SEPA mandate). The aggregate (ledger/account.py) keeps these records as its state and has the
commands; ledger/transcodings.py says how a snapshot stores them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ledger.identifiers import validate_bic, validate_iban
from ledger.input_checks import decimal_str, money_str, require_date, require_mapping, require_text
from ledger.money import Money


class PaymentMethod(StrEnum):
    """How a customer pays (BILLING_RULES §8, art. 10.2): SEPA direct debit (a mandate, collected on
    the due date), transfer or cheque."""

    SEPA_DEBIT = "sepa_debit"
    TRANSFER = "transfer"
    CHEQUE = "cheque"


PAYMENT_METHODS = tuple(PaymentMethod)  # art. 10.2
TERMINATION_CHANNELS = ("email", "registered_letter")  # art. 9.3, 14


def cents(amount: Money) -> Money:
    """An amount as the ledger records it: two decimals ("800.00"), whatever its input's exponent."""
    return Money(Decimal(money_str(amount)))


def plain_hours(number: Decimal) -> Decimal:
    """Hours as the ledger records them: the positional form of the input (no exponent)."""
    return Decimal(decimal_str(number))


@dataclass(frozen=True, slots=True)
class Mandate:
    """A SEPA direct-debit mandate: its reference (RUM) and date go into every collection."""

    reference: str
    signed_on: date
    iban: str
    bic: str | None


@dataclass(frozen=True, slots=True)
class Contract:
    plan: str
    plan_grid_version: str
    service_start: date
    installation_fee: Money
    freemium: bool
    payment_method: PaymentMethod
    mandate: Mandate | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "payment_method", PaymentMethod(self.payment_method))  # text when read back


@dataclass(frozen=True, slots=True)
class OptionInterval:
    """An option is billed from its acceptance to its end, both inclusive (§5.2, art. 8, 12.3, 17.1)."""

    option: str
    pack: str | None
    accepted_on: date
    ended_on: date | None

    def active_on(self, day: date) -> bool:
        return self.accepted_on <= day and (self.ended_on is None or day <= self.ended_on)


@dataclass(frozen=True, slots=True)
class SupportHours:
    on: date
    hours: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class Intervention:
    on: date
    hours: Decimal
    description: str


@dataclass(frozen=True, slots=True)
class Payment:
    invoice: str
    amount: Money
    received_on: date
    method: PaymentMethod
    reference: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", PaymentMethod(self.method))  # text when read back


@dataclass(frozen=True, slots=True)
class PenaltyCredit:
    credit_id: str
    requested: Money
    granted: Money
    capped: bool
    reason: str
    incident_on: date
    granted_on: date


@dataclass(frozen=True, slots=True)
class Termination:
    notified_on: date
    channel: str
    requested_end: date | None
    effective_end: date
    normal_end: date
    early: bool
    indemnity: Money
    initiated_by: str = "customer"  # §9
    reason: str = "notice"


def mandate_from_input(value: Any) -> Mandate:
    """The SEPA mandate of a contract, checked field by field (errors name ``mandate.<field>``)."""
    raw = require_mapping(value, "mandate")
    bic = raw.get("bic")
    return Mandate(
        # SEPA limits the mandate reference (RUM) to 35 characters.
        reference=require_text(raw.get("reference"), "mandate.reference", max_length=35),
        signed_on=require_date(raw.get("signed_on"), "mandate.signed_on"),
        iban=validate_iban(raw.get("iban"), "mandate.iban"),
        bic=None if bic in (None, "") else validate_bic(bic, "mandate.bic"),
    )
