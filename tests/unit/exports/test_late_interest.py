"""Late-payment interest and indemnity (BILLING_RULES §8, art. 10.3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from exports.late_interest import HalfYearRates, RateTable, half_year, late_charge
from ledger.late_payment_rates import PUBLISHED

# The table the ledger starts with: BILLING_RULES §8's published values.
TABLE = RateTable({r.half_year: HalfYearRates(r.ecb_rate, r.legal_rate) for r in PUBLISHED})


def test_the_worked_example_of_section_8() -> None:
    # 500.00 TTC due 2026-03-31, unpaid on 2026-04-30: 30 days (1-30 April) at
    # max(2.15 + 10, 3 × 2.62 = 7.86) = 12.15 % → 500 × 0.1215 × 30 / 365 = 4.9931… → 4.99; plus 40.00.
    charge = late_charge(Decimal("500.00"), date(2026, 3, 31), date(2026, 4, 30), TABLE)
    assert (charge.days_late, charge.interest, charge.indemnity, charge.missing_rates) == (
        30, Decimal("4.99"), Decimal("40.00"), ())


def test_each_day_takes_the_rate_of_its_half_year() -> None:
    # 1000.00 due 2025-06-20, on 2025-07-10: 10 days in 2025-H1 (21-30 June) at max(3.15 + 10, 3 × 3.71 = 11.13)
    # = 13.15 %, 10 days in 2025-H2 (1-10 July) at max(2.15 + 10, 3 × 2.76 = 8.28) = 12.15 %:
    # 1000 × (10 × 13.15 + 10 × 12.15) / 100 / 365 = 1000 × 2.53 / 365 = 6.9315… → 6.93
    charge = late_charge(Decimal("1000.00"), date(2025, 6, 20), date(2025, 7, 10), TABLE)
    assert (charge.days_late, charge.interest) == (20, Decimal("6.93"))


def test_a_half_year_without_a_rate_is_reported_not_guessed() -> None:
    # 2026-H2 is not in the table: the interest is unknown, the indemnity is still owed.
    charge = late_charge(Decimal("500.00"), date(2026, 6, 25), date(2026, 7, 5), TABLE)
    assert (charge.interest, charge.indemnity, charge.missing_rates) == (None, Decimal("40.00"), ("2026-H2",))
    assert half_year(date(2026, 7, 1)) == "2026-H2"


def test_nothing_is_owed_before_the_day_after_the_due_date_or_when_paid() -> None:
    on_due = late_charge(Decimal("500.00"), date(2026, 3, 31), date(2026, 3, 31), TABLE)
    assert (on_due.days_late, on_due.interest, on_due.indemnity) == (0, Decimal("0.00"), Decimal("0.00"))
    paid = late_charge(Decimal("0.00"), date(2026, 3, 31), date(2026, 4, 30), TABLE)
    assert (paid.interest, paid.indemnity) == (Decimal("0.00"), Decimal("0.00"))


def test_a_later_invoice_bills_only_the_days_after_the_previous_one_and_no_second_indemnity() -> None:
    # Billed up to 2026-04-30 already; on 2026-05-10: 10 days (1-10 May) at 12.15 %:
    # 500 × 0.1215 × 10 / 365 = 1.6643… → 1.66, no second 40.00.
    charge = late_charge(Decimal("500.00"), date(2026, 3, 31), date(2026, 5, 10), TABLE,
                         interest_from=date(2026, 5, 1), indemnity_billed=True)
    assert (charge.days_late, charge.interest, charge.indemnity) == (40, Decimal("1.66"), Decimal("0.00"))
