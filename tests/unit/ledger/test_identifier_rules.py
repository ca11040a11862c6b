"""Identifier checks: account ids (art. 11.1), SIREN, VAT number, IBAN, BIC, email."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidInput
from ledger.identifiers import (
    validate_account_id,
    validate_bic,
    validate_email,
    validate_iban,
    validate_siren,
    validate_vat_number,
)

# SIREN 312456783: Luhn over 31245678 gives key 3 (checked with stdnum.fr.siren).
VALID_SIREN = "312456783"
# FR VAT key = (12 + 3 × (312456783 mod 97)) mod 97 = 94.
VALID_FR_VAT = "FR94312456783"
VALID_IBAN = "FR7630006000011234567890189"


def test_fr_vat_key_is_computed_from_the_siren() -> None:
    assert (12 + 3 * (int(VALID_SIREN) % 97)) % 97 == 94


@pytest.mark.parametrize("account", ["acme", "a", "acme2026", "0", "x" * 64])
def test_accepts_lower_case_ascii_letters_and_digits(account: str) -> None:
    assert validate_account_id(account) == account


@pytest.mark.parametrize(
    "account",
    [
        "Acme",  # capital
        "ACME",
        "acmé",  # accent
        "société",
        "ac me",  # space
        " acme",
        "acme\n",  # a trailing newline must not slip through a "$" anchor
        "acme-sas",  # symbols
        "acme_sas",
        "acme.fr",
        "acme!",
        "",  # empty
        "x" * 65,  # too long
        "ａｃｍｅ",  # full-width letters are not ascii
        "٣",  # a non-ascii digit
    ],
)
def test_refuses_account_ids_that_break_art_11_1(account: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_account_id(account)
    assert caught.value.field == "account"


def test_refuses_a_non_string_account_id() -> None:
    with pytest.raises(InvalidInput):
        validate_account_id(123)


def test_accepts_a_siren_and_returns_it_compact() -> None:
    assert validate_siren("312 456 783") == VALID_SIREN


@pytest.mark.parametrize("siren", ["312456784", "31245678", "3124567830", "ABCDEFGHI", ""])
def test_refuses_a_siren_with_a_bad_key_or_shape(siren: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_siren(siren)
    assert caught.value.field == "siren"


def test_accepts_eu_vat_numbers_and_compacts_them() -> None:
    assert validate_vat_number("fr 94 312 456 783") == VALID_FR_VAT
    assert validate_vat_number("DE136695976") == "DE136695976"
    assert validate_vat_number("BE0403170701") == "BE0403170701"


@pytest.mark.parametrize("number", ["FR95312456783", "FR94312456784", "DE136695977", "XX123", ""])
def test_refuses_a_vat_number_with_a_bad_key(number: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_vat_number(number)
    assert caught.value.field == "vat_number"


def test_refuses_a_french_vat_number_of_another_siren() -> None:
    # FR40303265045 is valid on its own, but embeds SIREN 303265045, not the customer's.
    assert validate_vat_number("FR40303265045") == "FR40303265045"
    with pytest.raises(InvalidInput) as caught:
        validate_vat_number("FR40303265045", siren=VALID_SIREN)
    assert caught.value.field == "vat_number"


def test_accepts_an_iban_and_returns_it_compact() -> None:
    assert validate_iban("FR76 3000 6000 0112 3456 7890 189") == VALID_IBAN


@pytest.mark.parametrize("iban", ["FR7630006000011234567890188", "FR7630006000011234567890", "nope", ""])
def test_refuses_an_iban_with_a_bad_checksum_or_shape(iban: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_iban(iban, field="mandate.iban")
    assert caught.value.field == "mandate.iban"


def test_accepts_bics_of_8_and_11_characters() -> None:
    assert validate_bic("BNPAFRPPXXX") == "BNPAFRPPXXX"
    assert validate_bic("AGRIFRPP") == "AGRIFRPP"


@pytest.mark.parametrize("bic", ["XXXX", "BNPAFRPPXX", "BNPAXXPP", "BNPAFR", ""])
def test_refuses_a_malformed_bic(bic: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_bic(bic)
    assert caught.value.field == "bic"


def test_accepts_a_plain_email() -> None:
    assert validate_email(" factures@acme.fr ") == "factures@acme.fr"


@pytest.mark.parametrize("email", ["factures", "factures@acme", "a b@acme.fr", "@acme.fr", "a@@acme.fr", ""])
def test_refuses_an_implausible_email(email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_email(email)
    assert caught.value.field == "billing_email"
