"""Checks of the identifiers a customer record carries: account id, SIREN, VAT number, IBAN, BIC, email.

Each returns the compact, canonical form that is stored, so one customer is never stored twice
under two spellings, and raises :class:`~ledger.errors.InvalidInput` naming the API field.
Checksums are checked with python-stdnum and schwifty rather than by hand (ENGINEERING_NOTES).
"""

from __future__ import annotations

import re
from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as fr_siren

from ledger.errors import InvalidInput

# art. 11.1: "en minuscule, sans accent, sans espace ni caractères spéciaux"; 64 is our storage bound.
_ACCOUNT_RE = re.compile(r"[a-z0-9]{1,64}", re.ASCII)
# Deliberately simple: one "@", no spaces, a dot in the domain. Deliverability is the mailer's job.
# Printable ASCII only: a NUL or a control character would be stored and then break the mailer.
_EMAIL_RE = re.compile(r"[!-?A-~]+@[!-?A-~]+\.[!-\-/-?A-~]+", re.ASCII)


def _require_str(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string", field=field)
    return value


def validate_account_id(value: Any, field: str = "account") -> str:
    """An account identifier per art. 11.1 (BILLING_RULES §9): ``[a-z0-9]{1,64}``, nothing else.

    Not normalised (no lower-casing, no accent stripping): the identifier is chosen jointly with the
    customer, so a silently altered one could clash with another account or surprise the customer.
    """
    if not isinstance(value, str) or not _ACCOUNT_RE.fullmatch(value):
        raise InvalidInput(
            "account must be 1 to 64 lower-case letters a-z or digits, without accent, space or symbol"
            " (art. 11.1)",
            field=field,
        )
    return value


def validate_siren(value: Any, field: str = "siren") -> str:
    """A French SIREN (9 digits, Luhn key); mandatory on invoices to French buyers (e-invoicing reform)."""
    text = _require_str(value, field)
    try:
        return str(fr_siren.validate(text))
    except ValidationError as exc:
        raise InvalidInput(f"not a valid SIREN: {text!r} ({exc})", field=field) from None


def validate_vat_number(value: Any, field: str = "vat_number", *, siren: str | None = None) -> str:
    """An EU VAT number, compact and upper case (printed on reverse-charge invoices, BILLING_RULES §5).

    For a French number stdnum also checks the key against the SIREN it embeds
    (key = (12 + 3 × (SIREN mod 97)) mod 97); when the customer's ``siren`` is given, the
    number must embed that SIREN, so the two mentions on an invoice cannot disagree.
    """
    text = _require_str(value, field)
    try:
        number = str(eu_vat.validate(text))
    except ValidationError as exc:
        raise InvalidInput(f"not a valid EU VAT number: {text!r} ({exc})", field=field) from None
    if siren is not None and number.startswith("FR") and number[4:] != siren:
        raise InvalidInput(f"VAT number {number} does not match SIREN {siren}", field=field)
    return number


def validate_iban(value: Any, field: str = "iban") -> str:
    """An IBAN in compact form; schwifty checks the checksum (and the French RIB key)."""
    text = _require_str(value, field)
    try:
        return str(IBAN(text).compact)
    except SchwiftyException as exc:
        raise InvalidInput(f"not a valid IBAN ({exc})", field=field) from None


def validate_bic(value: Any, field: str = "bic") -> str:
    """A BIC (8 or 11 characters) in compact form, as written in SEPA files."""
    text = _require_str(value, field)
    try:
        return str(BIC(text).compact)
    except SchwiftyException as exc:
        raise InvalidInput(f"not a valid BIC ({exc})", field=field) from None


def validate_email(value: Any, field: str = "billing_email") -> str:
    """A plausible email address (invoices are sent by email, art. 10.2); trimmed, case kept."""
    text = _require_str(value, field).strip()
    if len(text) > 254 or not _EMAIL_RE.fullmatch(text):
        raise InvalidInput(f"not a valid email address: {text!r}", field=field)
    return text
