"""The 212 Encaissée of one of our issued invoices: due for French business customers when FLEXIO pays
VAT on receipts, and written from the issued document itself."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from einvoicing.cdar import build_encaissee, parse_cdar
from einvoicing.encaissee import emits_encaissee, encaissee_of_invoice
from invoices.document import Buyer, Seller, issued_document
from ledger.money import Money

PARIS = ZoneInfo("Europe/Paris")
SELLER = Seller(name="FLEXIO SAS", legal_form_capital="SAS au capital de 460 000 EUR", line1="18 rue Alain Savary",
                postcode="25000", city="Besançon", country="FR", rcs="RCS Besançon 820 015 006", siren="820015006",
                vat_number="FR94820015006", email="compta@flexio.fr", website="https://www.flexio.fr")


def _document(vat_regime: str = "standard", country: str = "FR", siren: str | None = "552100554") -> dict[str, Any]:
    buyer = Buyer(account="acme", legal_name="ACME SARL", address={"line1": "1 rue X", "postcode": "75001",
                  "city": "Paris", "country": country}, siren=siren, vat_number=None, vat_regime=vat_regime,
                  billing_email="factures@acme.test", payment_method="transfer")
    # February 2026: 1,000.00 HT at 20 % = 200.00 VAT, 1,200.00 TTC.
    draft = {"account": "acme", "month": "2026-02", "issue_date": "2026-03-01", "lines": [],
             "total_ht": "1000.00", "vat_rate": "20.00", "total_vat": "200.00", "total_ttc": "1200.00"}
    return issued_document("FX-2026-000042", draft, SELLER, buyer)


def test_a_french_business_invoice_paid_calls_for_an_encaissee() -> None:
    assert emits_encaissee(_document(), vat_on_debits=False)


@pytest.mark.parametrize(
    ("document", "vat_on_debits"),
    [
        (_document(), True),  # VAT paid on the debits: no Encaissée
        (_document("reverse_charge", "DE", None), False),  # e-reported, not e-invoiced
        (_document("export", "US", None), False),
        ({**_document(), "document_type": "credit_note"}, False),
    ],
)
def test_no_encaissee(document: dict[str, Any], vat_on_debits: bool) -> None:
    assert not emits_encaissee(document, vat_on_debits=vat_on_debits)


def test_the_encaissee_says_the_amount_collected_at_the_invoice_rate() -> None:
    encaissee = encaissee_of_invoice(
        _document(),
        collected=Money.of("1200"),
        deposited_at=datetime(2026, 3, 1, 9, 0, tzinfo=PARIS),
        collected_at=datetime(2026, 3, 28, 14, 30, tzinfo=PARIS),
        created_at=datetime(2026, 3, 28, 14, 31, tzinfo=PARIS),
    )
    message = parse_cdar(build_encaissee(encaissee))
    status = message.status
    assert status.invoice_number == "FX-2026-000042" and status.code == "212"
    (men,) = status.amounts
    assert (men.amount, men.percent) == (Money.of("1200.00"), Decimal("20.00"))  # 1,000.00 HT x 1.20
    assert message.issuer is not None and message.issuer.siren == "820015006" and message.issuer.name == "FLEXIO SAS"
    buyer = message.recipients[0]
    assert (buyer.siren, buyer.name, buyer.role) == ("552100554", "ACME SARL", "BY")
    assert buyer.electronic_address is not None and buyer.electronic_address.scheme == "0225"


def test_nothing_received_is_not_an_encaissee() -> None:
    with pytest.raises(ValueError, match="more than zero"):
        encaissee_of_invoice(_document(), collected=Money.of("0"), deposited_at=datetime(2026, 3, 1, tzinfo=PARIS),
                             collected_at=datetime(2026, 3, 2, tzinfo=PARIS), created_at=datetime(2026, 3, 2, tzinfo=PARIS))
