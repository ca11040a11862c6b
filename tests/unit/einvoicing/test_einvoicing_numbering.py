"""BR-FR-01/02: invoice numbers of at most 35 letters, digits and + - _ /; and our configured formats."""

from __future__ import annotations

import pytest

from billing.settings import Settings
from einvoicing.numbering import is_valid_number, number_format_problems, number_problems


@pytest.mark.parametrize("number", ["FX-2026-000001", "AV-2026-000001", "A", "a+b-c_d/e", "9" * 35, "F202500003"])
def test_numbers_the_rules_accept(number: str) -> None:
    assert number_problems(number) == [] and is_valid_number(number)


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        ("", "BR-FR-01"),
        ("9" * 36, "BR-FR-02"),
        ("FX 2026 1", "BR-FR-01"),
        ("FX.2026.1", "BR-FR-01"),
        ("FX-2026-n°1", "BR-FR-01"),
        ("FÉ-2026-1", "BR-FR-01"),  # only unaccented letters
        ("FX-2026-1\n", "BR-FR-01"),
        ("FX#1", "BR-FR-01"),
    ],
)
def test_numbers_the_rules_refuse(number: str, rule: str) -> None:
    problems = number_problems(number)
    assert problems and problems[0].startswith(rule)


def test_both_rules_are_reported_together() -> None:
    assert [p[:8] for p in number_problems("x" * 35 + " ")] == ["BR-FR-02", "BR-FR-01"]


def test_the_configured_number_formats_give_legal_numbers() -> None:
    settings = Settings()
    # FX-{year}-{seq:06d}: at most "FX-9999-999999", 14 characters, of letters, digits and "-".
    assert number_format_problems(settings.invoice_number_format) == []
    assert number_format_problems(settings.credit_note_number_format) == []
    assert settings.invoice_number_format.format(year=2026, seq=42) == "FX-2026-000042"


@pytest.mark.parametrize(
    ("fmt", "fragment"),
    [
        ("FX.{year}.{seq:06d}", "fixed text"),
        ("FX-{year}", "no {seq}"),
        ("FX-{month}-{seq}", "unknown fields"),
        ("FLEXIO-FACTURE-MENSUELLE-{year}-{seq:012d}", "BR-FR-02"),  # 25 + 4 + 1 + 12 = 42 characters
        ("FX-{year}-{seq:06d", "not a format"),
    ],
)
def test_formats_that_would_break_the_rules(fmt: str, fragment: str) -> None:
    problems = number_format_problems(fmt)
    assert any(fragment in p for p in problems), problems
