"""The issued document freezes both identities (issue 11 §1)."""

from __future__ import annotations

from typing import Any

from invoices.document import Buyer, Seller, issued_document

SELLER = Seller(name="FLEXIO SAS", legal_form_capital="SAS au capital de 460 000 EUR", line1="18 rue Alain Savary",
                postcode="25000", city="Besançon", country="FR", rcs="RCS Besançon 820 015 006", siren="820015006",
                vat_number="FR94820015006", email="compta@flexio.fr", website="https://www.flexio.fr")


def draft(*kinds: str) -> dict[str, Any]:
    return {"account": "acme", "month": "2026-02", "issue_date": "2026-03-02",
            "lines": [{"kind": k, "label": k, "quantity": "1", "unit_price": "1.00", "amount": "1.00"} for k in kinds]}


def test_the_document_copies_the_buyer_so_a_later_change_does_not_reach_it() -> None:
    address = {"line1": "1 rue X", "postcode": "25000", "city": "Besançon", "country": "FR"}
    mandate = {"reference": "RUM-1", "signed_on": "2026-02-01", "iban": "FR76", "bic": None}
    buyer = Buyer(account="acme", legal_name="ACME SAS", address=address, siren="312456783",
                  vat_number="FR94312456783", vat_regime="standard", billing_email="f@acme.fr",
                  payment_method="sepa_debit", mandate=mandate)
    document = issued_document("FX-2026-000001", draft("plan_fee"), SELLER, buyer)
    address["city"] = "Paris"
    mandate["reference"] = "RUM-2"
    assert document["buyer"]["address"]["city"] == "Besançon"
    assert document["buyer"]["mandate"]["reference"] == "RUM-1"
    assert document["seller"]["vat_number"] == "FR94820015006"
    assert (document["period_start"], document["period_end"]) == ("2026-02-01", "2026-02-28")
    assert document["number"] == "FX-2026-000001" and document["document_type"] == "invoice"
    assert document["buyer"]["branding_removal"] is False


def test_a_customer_billed_for_branding_removal_gets_no_flexio_mention() -> None:
    buyer = Buyer(account="acme", legal_name="ACME SAS", address={}, siren=None, vat_number=None,
                  vat_regime="standard", billing_email="f@acme.fr", payment_method="transfer")
    document = issued_document("FX-2026-000002", draft("plan_fee", "branding_removal"), SELLER, buyer)
    assert document["buyer"]["branding_removal"] is True
