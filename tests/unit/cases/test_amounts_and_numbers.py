"""Amounts in French and English formats, and our invoice numbers, as customers write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cases.amounts import find_amounts, find_invoice_numbers, parse_amount


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56 €", ["1234.56"]),
        ("EUR 1,234.56", ["1234.56"]),
        ("€1234.56", ["1234.56"]),
        ("1\u202f234,56\u00a0€", ["1234.56"]),  # narrow no-break space, as Word and Outlook write it
        ("1.234,56 EUR", ["1234.56"]),
        ("un montant de 400 euros", ["400.00"]),
        ("400,5 €", ["400.50"]),
        ("1 415,15 € TTC et 1 179,29 € HT", ["1415.15", "1179.29"]),
        ("1 415,15 HT €", ["1415.15"]),
        ("EUR 1,234", ["1234.00"]),  # three digits after the only separator: thousands
        ("12 000 crédits le 2026-03-02", []),  # no currency mark: not money
        ("en 2026 400 €", ["400.00"]),  # the year does not glue onto the amount
        ("FX-2026-000001", []),
    ],
)
def test_find_amounts(text: str, expected: list[str]) -> None:
    assert find_amounts(text) == [Decimal(v) for v in expected]


def test_parse_amount_refuses_what_is_not_a_number() -> None:
    assert parse_amount("") is None
    assert parse_amount("12a") is None
    assert parse_amount("1234567890123,00") is None  # more than 12 integer digits
    assert parse_amount("0,05") == Decimal("0.05")


def test_invoice_numbers_are_normalised_and_deduplicated() -> None:
    text = "facture fx 2026 000001, FX-2026-000001 et l'avoir AV-2026-000003; pas FX-2026-0000011 ni XFX-2026-000002"
    assert find_invoice_numbers(text) == ["FX-2026-000001", "AV-2026-000003"]
