"""Which customers' documents are e-invoiced (B2B) and which are e-reported (B2BInt)."""

from __future__ import annotations

import pytest

from einvoicing.flow_info import ProcessingRule
from einvoicing.routing import is_e_invoiced, processing_rule


def test_a_french_business_is_e_invoiced() -> None:
    assert processing_rule("standard", "FR", "820015006") is ProcessingRule.B2B
    assert is_e_invoiced("standard", "fr", "820015006")


@pytest.mark.parametrize(("regime", "country"), [("reverse_charge", "DE"), ("export", "US")])
def test_eu_and_non_eu_customers_are_e_reported(regime: str, country: str) -> None:
    assert processing_rule(regime, country, None) is ProcessingRule.B2B_INT
    assert not is_e_invoiced(regime, country, None)


def test_a_standard_customer_outside_france_is_left_undecided() -> None:
    assert processing_rule("standard", "MC", None) is None


def test_an_unknown_regime_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown VAT regime"):
        processing_rule("intra", "FR", "820015006")
