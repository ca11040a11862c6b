"""The penalty cap over every six-month window at once, in HT (BILLING_RULES §6, art. 13, 18.1)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.money import Money
from ledger.penalty_cap import CreditInWindow, PaymentHT, grantable, payment_ht_value, window_room

HT, TTC = Money.of("1000.00"), Money.of("1200.00")


def grant_in_order(
    requests: list[tuple[date, Money]], payments: list[PaymentHT]
) -> list[CreditInWindow]:
    """Record requests one after the other, as the ledger does; returns the credits granted."""
    credits: list[CreditInWindow] = []
    for incident, amount in requests:
        granted = grantable(amount, incident, payments, credits)
        credits.append(CreditInWindow(incident, granted.amount))
    return credits


def test_the_example_of_section_6_grants_1000_in_all_in_either_order() -> None:
    # 1,200.00 TTC paid on 2026-03-01 for an invoice of 1,000.00 HT: HT value 1200 × 1000/1200 = 1,000.00.
    value = payment_ht_value(Money.of("1200.00"), HT, TTC)
    assert value == Decimal("1000")
    payments = [PaymentHT(date(2026, 3, 1), value)]
    june, may = (date(2026, 6, 1), Money.of("1000.00")), (date(2026, 5, 15), Money.of("1000.00"))
    # June first: 1,000.00; then May: its own window [2025-11-15, 2026-05-15] has room for 1,000.00,
    # but the window of 2026-06-01 already holds 1,000.00 → 0.
    assert [c.granted for c in grant_in_order([june, may], payments)] == [Decimal("1000.00"), Decimal("0.00")]
    # May first: 1,000.00; then June: window [2025-12-01, 2026-06-01] holds the May credit → 0.
    assert [c.granted for c in grant_in_order([may, june], payments)] == [Decimal("1000.00"), Decimal("0.00")]


def test_a_ttc_payment_counts_for_its_ht_value_only() -> None:
    # 600.00 TTC of an invoice 1000 HT / 1200 TTC is worth 500.00 HT: a 550.00 credit is granted 500.00.
    payments = [PaymentHT(date(2026, 3, 1), payment_ht_value(Money.of("600.00"), HT, TTC))]
    assert grantable(Money.of("550.00"), date(2026, 3, 20), payments, []) == Money.of("500.00")
    # At 20 % VAT an HT value may have more decimals than cents: 100.00 TTC is 83.333… HT → 83.33 (down).
    payments = [PaymentHT(date(2026, 3, 1), payment_ht_value(Money.of("100.00"), HT, TTC))]
    assert grantable(Money.of("90.00"), date(2026, 3, 20), payments, []) == Money.of("83.33")


def test_windows_include_both_ends() -> None:
    payments = [PaymentHT(date(2025, 11, 3), Decimal("50")), PaymentHT(date(2026, 5, 4), Decimal("999"))]
    # Window of 2026-05-03 is 2025-11-03..2026-05-03: the payment of 2025-11-03 counts, not 2026-05-04's.
    assert window_room(date(2026, 5, 3), payments, []) == Decimal("50")


days = st.integers(min_value=0, max_value=400).map(lambda n: date(2026, 1, 1) + timedelta(days=n))
amounts = st.integers(min_value=1, max_value=200_000).map(lambda cents: Money(Decimal(cents) / 100))
payments_strategy = st.lists(
    st.tuples(days, amounts).map(lambda p: PaymentHT(p[0], payment_ht_value(p[1], HT, TTC))), max_size=6
)


@settings(max_examples=150, deadline=None)
@given(
    payments=payments_strategy,
    requests=st.lists(st.tuples(days, amounts), min_size=1, max_size=7),
    order=st.randoms(use_true_random=False),
)
def test_whatever_the_order_no_window_ever_exceeds_its_cap(
    payments: list[PaymentHT], requests: list[tuple[date, Money]], order: object
) -> None:
    shuffled = list(requests)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    credits = grant_in_order(shuffled, payments)
    for credit, (_, asked) in zip(credits, shuffled, strict=True):
        assert Decimal(0) <= credit.granted <= asked.amount
    for credit in credits:
        if credit.granted > 0:  # the window of every incident granted something stays within its cap
            assert window_room(credit.incident_on, payments, credits) >= 0


# Payments from 2026-01-01 to 2026-03-01 and incidents from 2026-03-01 to 2026-07-01: every window
# of an incident holds every payment (2026-07-01 − 6 months = 2026-01-01).
paid_days = st.integers(min_value=0, max_value=59).map(lambda n: date(2026, 1, 1) + timedelta(days=n))
incident_days = st.integers(min_value=0, max_value=122).map(lambda n: date(2026, 3, 1) + timedelta(days=n))


@settings(max_examples=150, deadline=None)
@given(
    payments=st.lists(
        st.tuples(paid_days, amounts).map(lambda p: PaymentHT(p[0], payment_ht_value(p[1], HT, TTC))), max_size=6
    ),
    requests=st.lists(st.tuples(incident_days, amounts), min_size=1, max_size=7),
    order=st.randoms(use_true_random=False),
)
def test_the_credits_granted_in_all_are_the_same_whatever_the_order(
    payments: list[PaymentHT], requests: list[tuple[date, Money]], order: object
) -> None:
    """When every window holds every payment (the §6 example's case), the total granted is the
    smaller of what was asked and the payments' HT value, whatever the recording order."""
    shuffled = list(requests)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    totals = {
        sum((c.granted for c in grant_in_order(sequence, payments)), Decimal(0))
        for sequence in (requests, list(reversed(requests)), shuffled, sorted(requests, key=lambda r: r[0]))
    }
    assert len(totals) == 1, totals
    paid = sum((p.ht_value for p in payments), Decimal(0)).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    assert totals == {min(sum((a.amount for _, a in requests), Decimal(0)), paid)}


def test_a_window_with_fewer_payments_than_an_earlier_one_makes_the_total_depend_on_the_order() -> None:
    """A limit of §6 as written (reported to the lead). Payments (HT): 100 on 2025-12-01, 50 on
    2026-01-15. A credit of 2026-03-01 sees both (150); one of 2026-07-10 sees only the second (50).

    2026-03-01 first: 150 → 100 granted (asked 100); then 2026-07-10: its window holds that 100 > 50 → 0.
    2026-07-10 first: 50 granted; then 2026-03-01: the window of 2026-07-10 has no room left → 0.
    100 in all against 50: a window that appears later cannot bind a credit granted before it.
    """
    payments = [PaymentHT(date(2025, 12, 1), Decimal(100)), PaymentHT(date(2026, 1, 15), Decimal(50))]
    march = (date(2026, 3, 1), Money.of("100.00"))
    july = (date(2026, 7, 10), Money.of("100.00"))
    assert [c.granted for c in grant_in_order([march, july], payments)] == [Decimal("100.00"), Decimal("0.00")]
    assert [c.granted for c in grant_in_order([july, march], payments)] == [Decimal("50.00"), Decimal("0.00")]


def test_windows_that_overlap_without_nesting_make_the_total_depend_on_the_order() -> None:
    """A limit of §6 as written (reported to the lead): with incidents more than six months apart,
    the windows of B 2026-01-10 {A, B} and C 2026-07-05 {B, C} overlap without nesting.

    Payments (HT): 100 on 2025-08-01 (windows of A and B), 100 on 2026-07-01 (window of C only).
    B first takes the 100 that A and C would have shared: 100 in all; A and C first: 200 in all.
    """
    payments = [PaymentHT(date(2025, 8, 1), Decimal(100)), PaymentHT(date(2026, 7, 1), Decimal(100))]
    a = (date(2025, 8, 5), Money.of("100.00"))
    b = (date(2026, 1, 10), Money.of("100.00"))
    c = (date(2026, 7, 5), Money.of("100.00"))
    total_b_first = sum((x.granted for x in grant_in_order([b, a, c], payments)), Decimal(0))
    total_a_c_first = sum((x.granted for x in grant_in_order([a, c, b], payments)), Decimal(0))
    assert (total_b_first, total_a_c_first) == (Decimal("100.00"), Decimal("200.00"))
