"""Late-payment interest and the recovery indemnity (BILLING_RULES §8, contract art. 10.3).

From the first day after the due date, interest on the TTC still due at
``max(ECB main refinancing rate + 10 points, 3 × French legal interest rate)``, both read per
half-year from the dated table finance keeps in the ledger (ledger/late_payment_rates.py, handed in
as a ``RateTable``); plus 40 EUR per late invoice (Code de commerce L441-10). A half-year without a
value is reported, never guessed.

Interest = TTC still due × Σ(rate of each late day) / 365, the days running from the day after the due
date to the reference date, both included; rounded half-up to the cent once per invoice (§8).
Example (§8): 500.00 TTC due 2026-03-31, unpaid on 2026-04-30: 30 days at max(2.15 + 10, 3 × 2.62)
= 12.15 % → 500 × 0.1215 × 30 / 365 = 4.993… → 4.99, plus 40.00.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledger.money import round_half_up

RECOVERY_INDEMNITY = Decimal("40.00")  # art. 10.3, Code de commerce L441-10 and D441-5
ECB_MARGIN = Decimal("10")  # points over the ECB main refinancing rate (art. 10.3)
LEGAL_RATE_MULTIPLE = Decimal("3")  # at least three times the legal interest rate (L441-10)
DAYS_IN_YEAR = Decimal("365")  # §8: "/ 365", leap years included


def half_year(day: date) -> str:
    """"2026-H1" for January-June, "2026-H2" for July-December: rates are published per half-year."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def _half_year_end(day: date) -> date:
    """The last day of the half-year of ``day`` (30 June or 31 December)."""
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


@dataclass(frozen=True, slots=True)
class HalfYearRates:
    ecb_main_refinancing_rate: Decimal
    legal_rate_professionals: Decimal

    @property
    def late_payment_rate(self) -> Decimal:
        """Percent a year: max(ECB MRO + 10 points, 3 × legal rate) (§8)."""
        return max(self.ecb_main_refinancing_rate + ECB_MARGIN, LEGAL_RATE_MULTIPLE * self.legal_rate_professionals)


class RateTable:
    """The dated table of rates, per half-year."""

    def __init__(self, rates: Mapping[str, HalfYearRates]) -> None:
        self.rates = dict(rates)

    def rate_on(self, day: date) -> Decimal | None:
        rates = self.rates.get(half_year(day))
        return None if rates is None else rates.late_payment_rate


@dataclass(frozen=True, slots=True)
class LateCharge:
    """What one invoice owes for paying late on a reference date."""

    days_late: int
    interest: Decimal | None  # None when a half-year of the period has no rate: see ``missing_rates``
    indemnity: Decimal
    missing_rates: tuple[str, ...]


def late_charge(
    outstanding: Decimal, due: date, on: date, table: RateTable, *, interest_from: date | None = None,
    indemnity_billed: bool = False,
) -> LateCharge:
    """Interest and indemnity of one invoice on ``on`` (§8).

    ``interest_from`` (default: the day after ``due``) lets a later late-payment invoice bill only the
    days after the previous one; ``indemnity_billed`` says the 40 EUR were already invoiced.
    """
    first_day = due + timedelta(days=1)
    days_late = max((on - due).days, 0)
    if outstanding <= 0 or days_late == 0:
        return LateCharge(days_late if outstanding > 0 else 0, Decimal("0.00"), Decimal("0.00"), ())
    start = max(first_day, interest_from) if interest_from else first_day
    rate_days = Decimal(0)  # Σ of the yearly rate (in percent) over the late days
    missing: list[str] = []
    day = start
    while day <= on:
        # One step per half-year, not per day: the rate is the same on every day of a half-year,
        # so its days add rate × days, exactly (a receivables list of 10,000 invoices spent 2.6 s
        # here, one table lookup a day).
        last = min(on, _half_year_end(day))
        rate = table.rate_on(day)
        if rate is None:
            missing.append(half_year(day))
        else:
            rate_days += rate * ((last - day).days + 1)
        day = last + timedelta(days=1)
    indemnity = Decimal("0.00") if indemnity_billed else RECOVERY_INDEMNITY
    if missing:
        return LateCharge(days_late, None, indemnity, tuple(missing))
    interest = round_half_up(outstanding * rate_days / Decimal(100) / DAYS_IN_YEAR)
    return LateCharge(days_late, interest, indemnity, ())
