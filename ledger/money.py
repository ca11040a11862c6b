"""Money: a frozen Decimal amount in EUR.

Money is never a float (BILLING_RULES §3). Amounts are built from strings or Decimals and
rounded only where the rules say, with :meth:`Money.to_cents` (half-up, to the cent).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Union

CENT = Decimal("0.01")

MoneyLike = Union["Money", Decimal, int, str]


def round_half_up(value: Decimal, exponent: Decimal = CENT) -> Decimal:
    """Round half-up to ``exponent`` (BILLING_RULES §3: lines and VAT are rounded half-up)."""
    return value.quantize(exponent, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount in euros. Arithmetic keeps full precision; rounding is explicit."""

    amount: Decimal

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):  # refuse floats outright: they cannot hold cents exactly
            raise TypeError("Money cannot be built from a float")
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(self.amount))
        if not self.amount.is_finite():
            raise ValueError("Money must be finite")

    @classmethod
    def of(cls, value: MoneyLike) -> Money:
        if isinstance(value, Money):
            return value
        if isinstance(value, float):
            raise TypeError("Money cannot be built from a float")
        try:
            return cls(Decimal(value))
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {value!r}") from exc

    @classmethod
    def zero(cls) -> Money:
        return _exact(Decimal("0.00"))

    def to_cents(self) -> Money:
        """This amount rounded half-up to the cent."""
        return _exact(round_half_up(self.amount))

    @property
    def cents(self) -> int:
        """Whole cents; the amount must already be rounded."""
        return int(round_half_up(self.amount) * 100)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return _exact(self.amount + other.amount)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return _exact(self.amount - other.amount)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float) or not isinstance(factor, (Decimal, int)):
            return NotImplemented
        if isinstance(factor, Decimal) and not factor.is_finite():
            raise ValueError("Money cannot be multiplied by an infinite or NaN factor")
        return _exact(self.amount * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return _exact(-self.amount)

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        """Two decimals, as the API writes amounts ("1234.50")."""
        return f"{round_half_up(self.amount):f}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}')"


def _exact(amount: Decimal) -> Money:
    """A Money from a Decimal that arithmetic on Money produced: finite, never a float.

    Skips ``__post_init__``'s checks, which a month close would otherwise run 150,000 times.
    """
    money = object.__new__(Money)
    object.__setattr__(money, "amount", amount)
    return money


def money_sum(amounts: list[Money] | tuple[Money, ...]) -> Money:
    return _exact(sum((amount.amount for amount in amounts), Decimal("0.00")))
