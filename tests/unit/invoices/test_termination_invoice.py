"""Art. 14: the early-termination indemnity goes on the final invoice, and only when leaving early."""

from __future__ import annotations

from datetime import date

from invoices.termination import indemnity_on_invoice
from ledger.money import Money
from ledger.months import Month

INDEMNITY = Money.of("1475.00")  # e.g. 5 months × 295.00 of PRO fees left in the period


def test_the_final_invoice_carries_the_indemnity() -> None:
    # Service ends 15 April 2026: the April invoice is the final one.
    assert indemnity_on_invoice(Month.parse("2026-04"), date(2026, 4, 15), True, INDEMNITY) == INDEMNITY


def test_invoices_before_the_final_one_carry_none() -> None:
    assert indemnity_on_invoice(Month.parse("2026-03"), date(2026, 4, 15), True, INDEMNITY) is None


def test_a_termination_at_the_end_of_the_period_owes_none() -> None:
    assert indemnity_on_invoice(Month.parse("2026-04"), date(2026, 4, 30), False, INDEMNITY) is None


def test_a_running_contract_owes_none() -> None:
    assert indemnity_on_invoice(Month.parse("2026-04"), None, True, INDEMNITY) is None


def test_the_last_day_of_the_month_is_in_it() -> None:
    # 30 April is the last day of April: still the April invoice.
    assert indemnity_on_invoice(Month.parse("2026-04"), date(2026, 4, 30), True, INDEMNITY) == INDEMNITY
