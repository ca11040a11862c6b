"""Amounts and invoice numbers as customers write them, in French and English (BILLING_RULES §8).

"1 234,56 €", "1.234,56 EUR", "EUR 1,234.56", "€1234.56", "1 234,56 euros" all read as 1234.56. A
number counts as an amount only next to a currency mark (€, EUR, euro(s)), so invoice numbers, dates
and credit counts are never mistaken for money.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["find_amount_spans", "find_amounts", "find_invoice_numbers", "parse_amount"]

_SPACES = " \u00a0\u202f\u2009"
_NUMBER = rf"\d{{1,3}}(?:[{_SPACES}.,']\d{{3}})+(?:[.,]\d{{1,2}})?|\d+(?:[.,]\d{{1,2}})?"
_CURRENCY = r"€|eur(?:os?)?\b"
_AMOUNT = re.compile(
    rf"(?:(?P<pre>{_CURRENCY})[{_SPACES}]?(?P<n1>{_NUMBER}))|(?:(?<![\d.,])(?P<n2>{_NUMBER})[{_SPACES}]?(?:HT|TTC)?[{_SPACES}]?(?P<post>{_CURRENCY}))",
    re.IGNORECASE,
)
# Our two series (settings: FX-{year}-{seq:06d}, AV-{year}-{seq:06d}); customers sometimes drop or change
# the dashes ("FX 2026 000001", "fx2026-000001"): those are read as the same number.
_INVOICE = re.compile(r"(?<![A-Za-z0-9])(FX|AV)[-\s_/]?(\d{4})[-\s_/]?(\d{6})(?!\d)", re.IGNORECASE)


def parse_amount(text: str) -> Decimal | None:
    """One number as written ("1 234,56", "1,234.56", "1234", "1.234") -> Decimal with cents, or None.

    The last separator is the decimal mark when 1 or 2 digits follow it; with 3 digits after it (or
    none) every separator is a thousands separator.
    """
    cleaned = text.strip()
    for space in _SPACES + "'":
        cleaned = cleaned.replace(space, "")
    if not cleaned or not re.fullmatch(r"[\d.,]+", cleaned):
        return None
    last = max(cleaned.rfind(","), cleaned.rfind("."))
    if last >= 0 and 1 <= len(cleaned) - last - 1 <= 2:
        integer, fraction = cleaned[:last], cleaned[last + 1 :]
    else:
        integer, fraction = cleaned, ""
    integer = integer.replace(",", "").replace(".", "")
    if not integer.isdigit() or len(integer) > 12:
        return None
    try:
        value = Decimal(f"{integer}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the regexes above admit digits only
        return None
    return value.quantize(Decimal("0.01"))


def find_amount_spans(text: str) -> list[tuple[Decimal, int, int]]:
    """Every amount in euros in ``text`` with where it is written (start, end), in order."""
    found: list[tuple[Decimal, int, int]] = []
    for match in _AMOUNT.finditer(text):
        value = parse_amount(match.group("n1") or match.group("n2") or "")
        if value is not None:
            found.append((value, match.start(), match.end()))
    return found


def find_amounts(text: str) -> list[Decimal]:
    """Every amount in euros in ``text``, in order of appearance."""
    return [value for value, _start, _end in find_amount_spans(text)]


def find_invoice_numbers(text: str) -> list[str]:
    """Our invoice and credit-note numbers in ``text``, normalised (FX-2026-000001), first seen first."""
    seen: list[str] = []
    for series, year, seq in _INVOICE.findall(text):
        number = f"{series.upper()}-{year}-{seq}"
        if number not in seen:
            seen.append(number)
    return seen
