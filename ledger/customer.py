"""Customer identity: who is billed and where (API "POST /v1/admin/customers", art. 11.1, §5).

The checks of a registration live here, apart from the account's records: the identifiers come
back in their canonical form (ledger/identifiers.py) and the VAT regime must fit the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.errors import InvalidInput
from ledger.identifiers import validate_account_id, validate_email, validate_siren, validate_vat_number
from ledger.input_checks import optional_text, require_choice, require_mapping, require_text
from ledger.vat_regime import VAT_REGIMES, VatRegime, check_vat_regime


@dataclass(frozen=True, slots=True)
class Address:
    """A structured postal address (structured addresses are required in SEPA files from Nov 2026)."""

    line1: str
    postcode: str
    city: str
    country: str  # ISO 3166-1 alpha-2, upper case
    line2: str = ""



@dataclass(frozen=True, slots=True)
class Registration:
    """A new customer's identity once checked, as the ``Registered`` event stores it."""

    account: str
    legal_name: str
    siren: str | None
    vat_number: str | None
    vat_regime: VatRegime
    billing_email: str
    address: dict[str, str]


def address_from_input(value: Any) -> dict[str, str]:
    raw = require_mapping(value, "address")
    address = {
        "line1": require_text(raw.get("line1"), "address.line1", max_length=140),
        "postcode": require_text(raw.get("postcode"), "address.postcode", max_length=16),
        "city": require_text(raw.get("city"), "address.city", max_length=70),
        "country": require_text(raw.get("country"), "address.country", max_length=2).upper(),
    }
    if len(address["country"]) != 2 or not address["country"].isascii() or not address["country"].isalpha():
        raise InvalidInput("address.country must be an ISO 3166 two-letter code", field="address.country")
    line2 = optional_text(raw.get("line2"), "address.line2", max_length=140)
    if line2:
        address["line2"] = line2
    return address



def check_registration(
    account: str,
    legal_name: str,
    siren: str | None,
    vat_number: str | None,
    vat_regime: str,
    billing_email: str,
    address: dict[str, Any],
) -> Registration:
    """Check a new customer's identity; raises ``InvalidInput`` naming the API field."""
    account = validate_account_id(account)
    legal_name = require_text(legal_name, "legal_name", max_length=200)
    regime = VatRegime(require_choice(vat_regime, VAT_REGIMES, "vat_regime"))
    email = validate_email(billing_email)
    clean_address = address_from_input(address)
    clean_siren = None if siren in (None, "") else validate_siren(siren)
    # The buyer's SIREN is a mandatory mention on invoices to French companies (e-invoicing reform).
    if clean_address["country"] == "FR" and clean_siren is None:
        raise InvalidInput("siren is required for a customer in France", field="siren")
    clean_vat = None if vat_number in (None, "") else validate_vat_number(vat_number, siren=clean_siren)
    # §5: the regime must agree with the address (and reverse charge with a VAT number of that state).
    check_vat_regime(regime, clean_address["country"], clean_vat)
    return Registration(
        account=account,
        legal_name=legal_name,
        siren=clean_siren,
        vat_number=clean_vat,
        vat_regime=regime,
        billing_email=email,
        address=clean_address,
    )
