"""The VAT regime must agree with the customer's billing address (BILLING_RULES §5).

- ``standard``: an address in France; Monaco counts as France for VAT (CGI art. 1 of the 1963
  Franco-Monegasque convention: Monaco is in the French VAT territory);
- ``reverse_charge``: an address in another EU member state and a valid VAT number of that state
  (Greece's VAT numbers start with "EL", its ISO code is "GR");
- ``export``: an address outside the EU (and outside France and Monaco).
"""

from __future__ import annotations

from enum import StrEnum

from ledger.errors import InvalidInput


class VatRegime(StrEnum):
    """A customer's VAT regime (BILLING_RULES §5): the French rate (``standard``), ``reverse_charge``
    for an EU business outside France ("Autoliquidation", 0%), ``export`` outside the EU (0%, art. 259-1
    du CGI)."""

    STANDARD = "standard"
    REVERSE_CHARGE = "reverse_charge"
    EXPORT = "export"


VAT_REGIMES = tuple(VatRegime)  # BILLING_RULES §5

EU_MEMBER_STATES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)
FRENCH_VAT_TERRITORY = frozenset({"FR", "MC"})  # Monaco counts as France (§5)
_VAT_PREFIX = {"GR": "EL"}  # the VAT prefix of a member state, where it is not its ISO code


def vat_prefix(country: str) -> str:
    return _VAT_PREFIX.get(country, country)


def check_vat_regime(regime: str, country: str, vat_number: str | None) -> None:
    """Raise a 422 naming ``vat_regime`` when the regime does not fit the address (§5)."""
    if regime == VatRegime.STANDARD and country not in FRENCH_VAT_TERRITORY:
        raise InvalidInput(
            f"the standard regime needs an address in France (or Monaco), not {country}", field="vat_regime"
        )
    if regime == VatRegime.REVERSE_CHARGE:
        if country in FRENCH_VAT_TERRITORY or country not in EU_MEMBER_STATES:
            raise InvalidInput(
                f"reverse charge needs an address in an EU member state other than France, not {country}",
                field="vat_regime",
            )
        if vat_number is None:
            raise InvalidInput("vat_number is required for reverse charge", field="vat_number")
        if not vat_number.startswith(vat_prefix(country)):
            raise InvalidInput(
                f"reverse charge needs a VAT number of {country} ({vat_prefix(country)}…), not {vat_number}",
                field="vat_number",
            )
    if regime == VatRegime.EXPORT and (country in FRENCH_VAT_TERRITORY or country in EU_MEMBER_STATES):
        raise InvalidInput(f"the export regime needs an address outside the EU, not {country}", field="vat_regime")
