"""Parsing and checking of command arguments, shared by the aggregates and the grid catalogue.

Every helper names the offending field, because the API answers 422 with that name (API.md
"Errors"). Helpers accept the typed value (``date``, ``Money``, ``Decimal``) or the JSON form the
API receives (ISO string, amount string), so the same rule holds whichever layer calls in.
Floats are refused everywhere: they cannot hold cents exactly (BILLING_RULES §3).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.errors import InvalidInput
from ledger.money import Money


def require_text(value: Any, field: str, *, max_length: int = 500) -> str:
    """A non-blank string, stripped; blank names and references are useless on an invoice."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string", field=field)
    text = value.strip()
    if len(text) > max_length:
        raise InvalidInput(f"{field} must be at most {max_length} characters", field=field)
    return text


def optional_text(value: Any, field: str, *, max_length: int = 2000) -> str:
    """A free-text note: may be empty, must be a string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} must be at most {max_length} characters", field=field)
    return value.strip()


def require_choice(value: Any, choices: tuple[str, ...], field: str) -> str:
    """One of a closed list of codes (payment methods, VAT regimes, options...)."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(f"{field} must be one of {', '.join(choices)}", field=field)
    return value


def require_date(value: Any, field: str) -> date:
    """A business date (BILLING_RULES §2): a ``date`` or an ISO ``YYYY-MM-DD`` string.

    A ``datetime`` is refused: an instant is not a business date until it is placed in Paris time,
    and doing that silently here would hide a time-zone bug.
    """
    if isinstance(value, datetime):
        raise InvalidInput(f"{field} must be a date, not an instant", field=field)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field)


def optional_date(value: Any, field: str) -> date | None:
    return None if value is None else require_date(value, field)


def require_decimal(value: Any, field: str, *, max_places: int | None = None) -> Decimal:
    """A finite decimal from a ``Decimal``, an ``int`` or a numeric string; never a float or a bool."""
    if isinstance(value, (bool, float)):
        raise InvalidInput(f"{field} must be a decimal string, not a float or boolean", field=field)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInput(f"{field} is not a number: {value!r}", field=field) from None
    else:
        raise InvalidInput(f"{field} must be a number", field=field)
    if not number.is_finite():
        raise InvalidInput(f"{field} must be finite", field=field)
    if max_places is not None and number != number.quantize(Decimal(1).scaleb(-max_places)):
        raise InvalidInput(f"{field} has more than {max_places} decimals", field=field)
    return number


def require_positive_decimal(value: Any, field: str, *, max_places: int | None = None) -> Decimal:
    number = require_decimal(value, field, max_places=max_places)
    if number <= 0:
        raise InvalidInput(f"{field} must be greater than zero", field=field)
    return number


def require_money(value: Any, field: str, *, positive: bool = False, non_negative: bool = False) -> Money:
    """An amount in euros with at most two decimals (amounts entered by people are in cents, §3)."""
    amount = require_decimal(value.amount if isinstance(value, Money) else value, field, max_places=2)
    if positive and amount <= 0:
        raise InvalidInput(f"{field} must be greater than zero", field=field)
    if non_negative and amount < 0:
        raise InvalidInput(f"{field} must not be negative", field=field)
    return Money(amount)


def require_positive_int(value: Any, field: str) -> int:
    """A positive whole number (credits, block sizes): JSON integers only, no bools or strings."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{field} must be a positive integer", field=field)
    return value


def require_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false", field=field)
    return value


def require_mapping(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be an object", field=field)
    return value


def money_str(amount: Money) -> str:
    """The form stored in events and sent by the API: two decimals ("800.00")."""
    return str(amount)


def decimal_str(number: Decimal) -> str:
    """A Decimal as plain positional text (no exponent), as stored in events."""
    return f"{number:f}"
