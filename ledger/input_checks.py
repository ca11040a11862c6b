"""Parsing and checking of command arguments, shared by the aggregates and the grid catalogue.

Every helper names the offending field, because the API answers 422 with that name (API.md
"Errors"). Helpers accept the typed value (``date``, ``Money``, ``Decimal``) or the JSON form the
API receives (ISO string, amount string), so the same rule holds whichever layer calls in.
Floats are refused everywhere: they cannot hold cents exactly (BILLING_RULES §3).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.errors import InvalidInput
from ledger.money import Money

# The documented ranges of every value a command accepts (API.md "Errors"): anything outside them is
# refused at the edge, so no stored event can hold a value a read model or an invoice cannot take.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)
MAX_AMOUNT = Decimal(10) ** 9  # euros, on any amount entered (a fee, a payment, a credit)
MAX_HOURS = Decimal(744)  # hours in one record: a 31-day month of 24-hour days
MAX_DECIMAL = Decimal(10) ** 12  # any other decimal (percentages, block prices, rates)
MAX_INT = 10**12  # whole numbers (credits of a plan, block sizes)

# Plain positional decimals only: no exponent ("1e30"), no underscore ("1_000"), no sign "+", no
# padding (" 5", "007"), ASCII digits only (Decimal() would read Arabic-Indic digits).
_DECIMAL_RE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?", re.ASCII)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# Bidirectional overrides and isolates reorder how a name prints on an invoice (a spoofing vector).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_text(value: Any, field: str, *, max_length: int, multiline: bool = False) -> str:
    """A string as it may be stored and printed: NFC-normalised, without control characters.

    PostgreSQL refuses NUL in text, a lone surrogate cannot be encoded in UTF-8, and other control
    characters break invoices, CSV and XML exports; only a multi-line field (a description, a
    note) keeps line feeds and tabs. Lengths are counted after normalisation.
    """
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field=field)
    allowed = "\n\t" if multiline else ""
    for char in value:
        category = unicodedata.category(char)
        if (category in ("Cc", "Cs") and char not in allowed and not (multiline and char == "\r")) or (
            char in _BIDI_CONTROLS or (not multiline and category in ("Zl", "Zp"))
        ):
            raise InvalidInput(
                f"{field} contains a control character (U+{ord(char):04X})", field=field
            )
    text = unicodedata.normalize("NFC", value)
    if len(text) > max_length:
        raise InvalidInput(f"{field} must be at most {max_length} characters", field=field)
    return text


def require_text(value: Any, field: str, *, max_length: int = 500, multiline: bool = False) -> str:
    """A non-blank string, stripped; blank names and references are useless on an invoice."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string", field=field)
    return clean_text(value, field, max_length=max_length, multiline=multiline).strip()


def optional_text(value: Any, field: str, *, max_length: int = 2000, multiline: bool = False) -> str:
    """A free-text note: may be empty, must be a string."""
    if value is None:
        return ""
    return clean_text(value, field, max_length=max_length, multiline=multiline).strip()


def require_choice(value: Any, choices: tuple[str, ...], field: str) -> str:
    """One of a closed list of codes (payment methods, VAT regimes, options...)."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(f"{field} must be one of {', '.join(choices)}", field=field)
    return value


def require_date(value: Any, field: str) -> date:
    """A business date (BILLING_RULES §2) from 2000-01-01 to 2100-12-31: a ``date`` or ``YYYY-MM-DD``.

    A ``datetime`` is refused: an instant is not a business date until it is placed in Paris time,
    and doing that silently here would hide a time-zone bug. The range keeps every date the
    contract rules compute from it (notice periods, due dates) inside the calendar.
    """
    if isinstance(value, datetime):
        raise InvalidInput(f"{field} must be a date, not an instant", field=field)
    day: date | None = None
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and _DATE_RE.fullmatch(value):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(value)
    if day is None:
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field)
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InvalidInput(f"{field} must be between {FIRST_DATE} and {LAST_DATE}", field=field)
    return day


def optional_date(value: Any, field: str) -> date | None:
    return None if value is None else require_date(value, field)


def require_decimal(
    value: Any, field: str, *, max_places: int | None = None, max_abs: Decimal = MAX_DECIMAL
) -> Decimal:
    """A finite decimal from a ``Decimal``, an ``int`` or a plain numeric string; never a float or a bool.

    Strings must be positional ("2.50"): "1e30", "1_000", "+5", " 5" and "007" are refused, so
    what is stored is what a person typed and can read. ``max_abs`` bounds the magnitude.
    """
    if isinstance(value, (bool, float)):
        raise InvalidInput(f"{field} must be a decimal string, not a float or boolean", field=field)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        if abs(value) > max_abs:
            raise InvalidInput(f"{field} must be at most {max_abs:f} in magnitude", field=field)
        number = Decimal(value)
    elif isinstance(value, str):
        if len(value) > 40 or not _DECIMAL_RE.fullmatch(value):
            raise InvalidInput(
                f"{field} must be a plain decimal such as \"12.50\" (got {value[:40]!r})", field=field
            )
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise InvalidInput(f"{field} is not a number: {value!r}", field=field) from None
    else:
        raise InvalidInput(f"{field} must be a number", field=field)
    if not number.is_finite():
        raise InvalidInput(f"{field} must be finite", field=field)
    if abs(number) > max_abs:
        raise InvalidInput(f"{field} must be at most {max_abs:f} in magnitude", field=field)
    if max_places is not None and number != number.quantize(Decimal(1).scaleb(-max_places)):
        raise InvalidInput(f"{field} has more than {max_places} decimals", field=field)
    return number


def require_positive_decimal(
    value: Any, field: str, *, max_places: int | None = None, max_abs: Decimal = MAX_DECIMAL
) -> Decimal:
    number = require_decimal(value, field, max_places=max_places, max_abs=max_abs)
    if number <= 0:
        raise InvalidInput(f"{field} must be greater than zero", field=field)
    return number


def require_hours(value: Any, field: str) -> Decimal:
    """Hours of one record: more than 0, at most 744 (a whole month), at most two decimals."""
    return require_positive_decimal(value, field, max_places=2, max_abs=MAX_HOURS)


def require_money(value: Any, field: str, *, positive: bool = False, non_negative: bool = False) -> Money:
    """An amount in euros with at most two decimals (amounts entered by people are in cents, §3),
    at most 10^9 EUR in magnitude."""
    amount = require_decimal(
        value.amount if isinstance(value, Money) else value, field, max_places=2, max_abs=MAX_AMOUNT
    )
    if positive and amount <= 0:
        raise InvalidInput(f"{field} must be greater than zero", field=field)
    if non_negative and amount < 0:
        raise InvalidInput(f"{field} must not be negative", field=field)
    return Money(amount)


def require_positive_int(value: Any, field: str, *, maximum: int = MAX_INT) -> int:
    """A positive whole number (credits, block sizes): JSON integers only, no bools or strings."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{field} must be a positive integer", field=field)
    if value > maximum:
        raise InvalidInput(f"{field} must be at most {maximum:,}", field=field)
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
