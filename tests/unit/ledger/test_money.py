"""Money (BILLING_RULES §3): exact Decimal amounts, never a float, never infinite; rounding is explicit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.money import Money, money_sum


def test_arithmetic_keeps_full_precision_until_rounded_half_up() -> None:
    # 500.00 × 19/28 = 339.285714…; half-up to the cent: 339.29.
    share = Money.of("500.00") * (Decimal(19) / Decimal(28))
    assert share.amount != Decimal("339.29")
    assert share.to_cents() == Money.of("339.29")
    # 0.125 rounds half-up to 0.13 (not to the even 0.12).
    assert Money.of("0.125").to_cents() == Money.of("0.13")
    assert str(Money.of("-0.125")) == "-0.13"


def test_sum_add_sub_and_neg_are_exact() -> None:
    # 0.10 + 0.20 + 0.30 = 0.60 exactly (no binary float on the way).
    assert money_sum([Money.of("0.10"), Money.of("0.20"), Money.of("0.30")]) == Money.of("0.60")
    assert money_sum([]) == Money.zero()
    assert str(money_sum([])) == "0.00"
    assert Money.of("10.00") - Money.of("2.50") == Money.of("7.50")
    assert -Money.of("7.50") == Money.of("-7.50")
    assert (Money.of("7.50") + Money.of("2.50")).amount == Decimal("10.00")


@pytest.mark.parametrize("bad", [0.1, 1.0])
def test_floats_are_refused(bad: float) -> None:
    with pytest.raises(TypeError):
        Money.of(bad)
    with pytest.raises(TypeError):
        Money(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1.00") * bad  # type: ignore[operator]


@pytest.mark.parametrize("bad", ["Infinity", "-Infinity", "NaN"])
def test_amounts_and_factors_are_finite(bad: str) -> None:
    with pytest.raises(ValueError):
        Money.of(bad)
    with pytest.raises(ValueError):
        Money.of("1.00") * Decimal(bad)


def test_not_an_amount_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not an amount"):
        Money.of("12,50")
