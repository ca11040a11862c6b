"""The documented ranges of command values (ledger/input_checks.py): what is refused, what is kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.errors import InvalidInput
from ledger.input_checks import clean_text, require_date, require_decimal, require_hours, require_money, require_text
from ledger.months import Month


@pytest.mark.parametrize(
    "text", ["\x00", "a\x00b", "\ud800", "esc\x1b[0m", "\x7f", "\x85", "\u202eevil", "two\u2028lines", "tab\there"]
)
def test_a_single_line_field_refuses_control_characters(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        require_text(text, "legal_name")
    assert refused.value.field == "legal_name"


def test_a_multiline_field_keeps_line_feeds_and_tabs_but_not_nul() -> None:
    assert require_text("line 1\n\tline 2\r\n", "description", multiline=True) == "line 1\n\tline 2"
    with pytest.raises(InvalidInput):
        require_text("line 1\x00", "description", multiline=True)


def test_text_is_nfc_normalised_and_bounded_after_normalisation() -> None:
    # "e" + COMBINING ACUTE ACCENT (2 code points) is stored as "é" (1 code point).
    assert require_text("Besanc\u0327on", "city") == "Besançon"
    assert clean_text("e\u0301" * 10, "city", max_length=10) == "é" * 10
    with pytest.raises(InvalidInput):
        clean_text("a" * 11, "city", max_length=10)


@pytest.mark.parametrize(
    "value", ["1e30", "1E2", "1_000", "+5", " 5", "5 ", "007", "00.5", "NaN", "Infinity", "1.", ".5", "0x10",
              "\u0661\u0662", "1" * 41, 1.5, True, None]
)
def test_numbers_only_in_plain_positional_form(value: object) -> None:
    with pytest.raises(InvalidInput):
        require_decimal(value, "amount")


def test_amounts_are_bounded_to_a_billion_euros_with_two_decimals() -> None:
    assert require_money("1000000000.00", "amount").amount == Decimal("1000000000.00")
    assert require_money("0.50", "amount").amount == Decimal("0.50")
    for value in ("1000000000.01", "-1000000000.01", 10**10, "1.001"):
        with pytest.raises(InvalidInput):
            require_money(value, "amount")


def test_hours_of_one_record_are_at_most_a_month() -> None:
    # 31 days x 24 h = 744 h.
    assert require_hours("744", "hours") == Decimal(744)
    for value in ("744.01", "0", "-1", "1.234", "9" * 25):
        with pytest.raises(InvalidInput):
            require_hours(value, "hours")


def test_dates_from_2000_to_2100_only() -> None:
    assert require_date("2000-01-01", "on") == date(2000, 1, 1)
    assert require_date("2100-12-31", "on") == date(2100, 12, 31)
    for value in ("1999-12-31", "2101-01-01", "0000-01-01", "9999-12-31", "+2026-01-01", "20260101",
                  "\u0662\u0660\u0662\u0666-01-01", date(9999, 12, 31)):
        with pytest.raises(InvalidInput):
            require_date(value, "on")


def test_months_from_2000_01_to_2100_12_only() -> None:
    assert Month.parse("2026-02") == Month(2026, 2)
    for text in ("0000-01", "1999-12", "2101-01", "2026-13", "2026-1", " 2026-01", "2026-01\n"):
        with pytest.raises(ValueError):
            Month.parse(text)
