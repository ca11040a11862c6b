"""The rating input: what one account did in one month, as plain frozen values (BILLING_RULES §5).

The application layer fills these from read models; the rating functions never query anything,
so a month can be previewed, closed or re-rated in a test with the same code and the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.grid import PriceGrid
from ledger.money import Money
from ledger.months import Month

__all__ = [
    "AccountMonth",
    "AvailablePenaltyCredit",
    "BilledAmount",
    "CatchUpMonth",
    "Intervention",
    "LateUsage",
    "OptionInterval",
]


@dataclass(frozen=True)
class OptionInterval:
    """An option active from ``accepted_on`` to ``ended_on``, both inclusive (§5.2, art. 8, 12.3, 17.1).

    ``option`` is one of ``ledger.grid.OPTION_KINDS``; ``pack`` names the Advanced Support pack and is
    ``None`` for the other options. ``ended_on`` is ``None`` while the option runs.
    """

    option: str
    pack: str | None
    accepted_on: date
    ended_on: date | None


@dataclass(frozen=True)
class Intervention:
    """Billable out-of-scope work recorded in the month (§5.6, art. 7.2, 12.6)."""

    on: date
    hours: Decimal
    description: str


@dataclass(frozen=True)
class AvailablePenaltyCredit:
    """A penalty credit owed to the customer, with what is left of it before this invoice (§5.8, §6)."""

    credit_id: str
    granted_on: date
    incident_on: date
    remaining: Money


@dataclass(frozen=True)
class LateUsage:
    """Credits stamped in an already-closed month and booked in this one (§7)."""

    origin_month: Month
    credits: int


@dataclass(frozen=True)
class BilledAmount:
    """What invoices already issued billed for one month and one line kind (§7, §7b)."""

    kind: str
    amount: Money


@dataclass(frozen=True)
class CatchUpMonth:
    """A closed month rated again with its own inputs, as known now (BILLING_RULES §7, §7b).

    ``inputs`` is that month's rating input with every fact dated in it, including the usage
    stamped in it and reported late (``inputs.credits`` is the month's whole usage);
    ``grid`` is the version in force on its first day (§4); ``late_credits`` is the usage of that
    month reported after its close and booked on this invoice (shown even without overage, §5.4);
    ``billed`` is what the invoices issued so far billed for that month, by line kind.
    """

    inputs: AccountMonth
    grid: PriceGrid
    late_credits: int
    billed: tuple[BilledAmount, ...]


@dataclass(frozen=True)
class AccountMonth:
    """Everything needed to rate one account for one month.

    ``credits`` is the usage stamped in the month and booked in it; usage of an earlier, closed month
    reported late is never counted against this month's cap (§7): it comes as ``catch_up``.
    ``late_usage`` is informational only. ``vat_regime`` is ``standard``,
    ``reverse_charge`` or ``export``; ``payment_method`` is ``sepa_debit``, ``transfer`` or ``cheque``.
    """

    account: str
    legal_name: str
    vat_regime: str
    month: Month
    plan: str
    service_start: date
    service_end: date | None
    installation_fee: Money
    freemium: bool
    payment_method: str
    mandate_reference: str | None
    options: tuple[OptionInterval, ...]
    support_hours_used: Decimal
    interventions: tuple[Intervention, ...]
    credits: int
    late_usage: tuple[LateUsage, ...]
    early_termination_indemnity: Money | None
    penalty_credits: tuple[AvailablePenaltyCredit, ...]
    catch_up: tuple[CatchUpMonth, ...] = ()  # §7b: closed months billed again on this invoice
