"""Penalty credits applied to an invoice (BILLING_RULES §5.8, art. 10.2 "s'imputent prioritairement")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from invoices.penalties import allocate_penalty_credits
from ledger.money import Money, money_sum
from pricing.account_month import AvailablePenaltyCredit


def credit(cid: str, granted: date, incident: date, remaining: str) -> AvailablePenaltyCredit:
    return AvailablePenaltyCredit(cid, granted, incident, Money.of(remaining))


def test_oldest_grant_first_then_incident_then_id() -> None:
    credits = [
        credit("c", date(2026, 2, 1), date(2026, 1, 5), "10.00"),
        credit("b", date(2026, 1, 1), date(2025, 12, 20), "10.00"),
        credit("a", date(2026, 2, 1), date(2026, 1, 5), "10.00"),
        credit("d", date(2026, 2, 1), date(2026, 1, 2), "10.00"),
    ]
    order = [a.credit_id for a in allocate_penalty_credits(Money.of("100.00"), credits)]
    assert order == ["b", "d", "a", "c"]


def test_never_more_than_the_subtotal_and_the_rest_carries_forward() -> None:
    credits = [
        credit("new", date(2026, 3, 1), date(2026, 2, 1), "300.00"),
        credit("old", date(2026, 1, 1), date(2025, 12, 1), "120.00"),
    ]
    allocations = allocate_penalty_credits(Money.of("166.67"), credits)
    # old: 120.00 in full; new: 166.67 − 120.00 = 46.67 (253.33 left for the next invoices)
    assert [(a.credit_id, a.amount) for a in allocations] == [
        ("old", Money.of("120.00")),
        ("new", Money.of("46.67")),
    ]


def test_used_up_credits_are_skipped_and_zero_subtotal_uses_nothing() -> None:
    credits = [
        credit("empty", date(2025, 1, 1), date(2025, 1, 1), "0.00"),
        credit("x", date(2026, 1, 1), date(2026, 1, 1), "5.00"),
    ]
    assert [a.credit_id for a in allocate_penalty_credits(Money.of("50.00"), credits)] == ["x"]
    assert allocate_penalty_credits(Money.zero(), credits) == ()


cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Money(Decimal(c) / 100))


@given(
    subtotal=cents,
    remaining=st.lists(cents, max_size=6),
    grants=st.lists(
        st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)), min_size=6, max_size=6
    ),
)
def test_deduction_never_exceeds_credits_nor_subtotal(
    subtotal: Money, remaining: list[Money], grants: list[date]
) -> None:
    credits = [credit(f"c{i}", grants[i], grants[i], str(r.amount)) for i, r in enumerate(remaining)]
    allocations = allocate_penalty_credits(subtotal, credits)
    used = money_sum([a.amount for a in allocations])
    available = money_sum(remaining)
    assert used <= subtotal
    assert used <= available
    assert used == min(subtotal, available)  # deducted as far as possible, "prioritairement"
    by_id = {c.credit_id: c.remaining for c in credits}
    assert all(Money.zero() < a.amount <= by_id[a.credit_id] for a in allocations)
