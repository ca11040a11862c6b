"""The VAT regime agrees with the billing address (BILLING_RULES §5)."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidInput
from ledger.vat_regime import check_vat_regime


@pytest.mark.parametrize(
    ("regime", "country", "vat_number"),
    [
        ("standard", "FR", "FR94312456783"),
        ("standard", "MC", None),  # Monaco counts as France
        ("reverse_charge", "DE", "DE136695976"),
        ("reverse_charge", "GR", "EL094259216"),  # Greece: ISO GR, VAT prefix EL
        ("export", "US", None),
        ("export", "CH", None),
    ],
)
def test_a_regime_that_fits_the_address_is_accepted(regime: str, country: str, vat_number: str | None) -> None:
    check_vat_regime(regime, country, vat_number)


@pytest.mark.parametrize(
    ("regime", "country", "vat_number", "field"),
    [
        ("standard", "DE", "DE136695976", "vat_regime"),  # a German company is not on French VAT
        ("export", "FR", None, "vat_regime"),  # a French company on export (the example)
        ("export", "MC", None, "vat_regime"),
        ("export", "BE", None, "vat_regime"),  # inside the EU: not an export
        ("reverse_charge", "US", None, "vat_regime"),  # a US company on reverse charge (the example)
        ("reverse_charge", "FR", "FR94312456783", "vat_regime"),
        ("reverse_charge", "MC", None, "vat_regime"),
        ("reverse_charge", "DE", None, "vat_number"),
        ("reverse_charge", "DE", "BE0403170701", "vat_number"),  # a VAT number of another state
    ],
)
def test_a_regime_that_does_not_fit_the_address_is_refused(
    regime: str, country: str, vat_number: str | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_vat_regime(regime, country, vat_number)
    assert caught.value.field == field
