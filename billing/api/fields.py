"""Constrained field types of the request models: the documented range of every value, in one place.

Each type is checked by pydantic at the edge (422 naming the field, before any command runs) and
shows its range in the OpenAPI page. The domain checks the same ranges again in ledger/input_checks.py,
so a command called from the CLI or a job is held to the same rules.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from ledger.errors import InvalidInput
from ledger.input_checks import clean_text

# 2000-01-01 to 2100-12-31 (ledger/input_checks.py FIRST_DATE/LAST_DATE); the domain checks the calendar.
DATE_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"
# Plain positional decimals: no exponent, underscore, "+" or padding; at most 10^9 EUR.
AMOUNT_PATTERN = r"^-?(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"
BLOCK_PRICE_PATTERN = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,6})?$"
PERCENT_PATTERN = r"^(0|[1-9][0-9]{0,2})(\.[0-9]{1,2})?$"
HOURS_PATTERN = r"^(0|[1-9][0-9]{0,2})(\.[0-9]{1,2})?$"  # at most 744 (ledger/input_checks.py MAX_HOURS)
COUNTRY_PATTERN = r"^[A-Za-z]{2}$"

# What a 422 says when a value misses its pattern (issue 19.6: the user's terms, never the regex).
PATTERN_MESSAGES = {
    DATE_PATTERN: "must be a date YYYY-MM-DD from 2000-01-01 to 2100-12-31, for example 2026-03-17",
    MONTH_PATTERN: "must be a month YYYY-MM from 2000-01 to 2100-12, for example 2026-02",
    AMOUNT_PATTERN: "must be an amount in euros with at most 2 decimals, up to 1,000,000,000, for example 1234.50",
    BLOCK_PRICE_PATTERN: "must be a price in euros with at most 6 decimals, for example 2.125",
    PERCENT_PATTERN: "must be a percentage from 0 to 100 with at most 2 decimals, for example 10.00",
    HOURS_PATTERN: "must be a number of hours with at most 2 decimals, for example 2.5",
    COUNTRY_PATTERN: "must be a two-letter ISO 3166 country code, for example FR",
}


def _text(max_length: int, *, multiline: bool = False) -> AfterValidator:
    """The domain's text rule (no control characters, NFC) as a pydantic validator."""

    def check(value: str) -> str:
        try:
            return clean_text(value, "value", max_length=max_length, multiline=multiline)
        except InvalidInput as exc:
            raise ValueError(exc.message.removeprefix("value ")) from None

    return AfterValidator(check)


# One line of text: no control characters, NFC-normalised, bounded.
Code = Annotated[str, Field(min_length=1, max_length=32), _text(32)]
Code64 = Annotated[str, Field(min_length=1, max_length=64), _text(64)]
Name = Annotated[str, Field(min_length=1, max_length=200), _text(200)]
AddressLine = Annotated[str, Field(min_length=1, max_length=140), _text(140)]
OptionalLine = Annotated[str, Field(max_length=140), _text(140)]
Postcode = Annotated[str, Field(min_length=1, max_length=16), _text(16)]
City = Annotated[str, Field(min_length=1, max_length=70), _text(70)]
Country = Annotated[str, Field(pattern=COUNTRY_PATTERN, description="ISO 3166 two-letter code")]
Identifier = Annotated[str, Field(max_length=64), _text(64)]  # SIREN, VAT number, IBAN, BIC (checked by the domain)
Email = Annotated[str, Field(min_length=3, max_length=254), _text(254)]
MandateReference = Annotated[str, Field(min_length=1, max_length=35), _text(35)]
Reference = Annotated[str, Field(max_length=140), _text(140)]
# Free text that may span lines (a description, a note, a reason): line feeds and tabs kept.
Paragraph = Annotated[str, Field(min_length=1, max_length=2000), _text(2000, multiline=True)]
Note = Annotated[str, Field(max_length=2000), _text(2000, multiline=True)]


Day = Annotated[str, Field(pattern=DATE_PATTERN, description="A date from 2000-01-01 to 2100-12-31",
                           examples=["2026-03-17"])]
MonthText = Annotated[str, Field(pattern=MONTH_PATTERN, description="YYYY-MM, 2000-01 to 2100-12",
                                 examples=["2026-02"])]
Amount = Annotated[
    str,
    Field(pattern=AMOUNT_PATTERN, max_length=14, description="Euros as a string, at most 2 decimals, up to 10^9",
          examples=["1234.50"]),
]
BlockPrice = Annotated[
    str, Field(pattern=BLOCK_PRICE_PATTERN, max_length=18, description="Euros, at most 6 decimals, up to 10^9")
]
Percent = Annotated[str, Field(pattern=PERCENT_PATTERN, max_length=6, description="0 to 100, at most 2 decimals")]
Hours = Annotated[
    str,
    Field(pattern=HOURS_PATTERN, max_length=6, description="Decimal hours, more than 0 and at most 744, e.g. \"2.5\"",
          examples=["2.5"]),
]
