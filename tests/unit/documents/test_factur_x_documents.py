"""Factur-X XML of every regime and of credit notes passes XSD + EN 16931 + French CTC rules, run
offline with saxonche; bad identity data is caught with the rule ids; rendering is deterministic."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx
import pytest
from pypdf import PdfReader

from billing.documents.cii import build_cii
from billing.documents.render import render_batch
from billing.documents.storage import DocumentStore, DocumentTampered
from billing.documents.validation import validator
from invoices.credit import credit_note_document, credit_split
from invoices.document import Buyer, Seller, issued_document

SELLER = Seller(name="FLEXIO SAS", legal_form_capital="SAS au capital de 460 000 EUR", line1="18 rue Alain Savary",
                postcode="25000", city="Besançon", country="FR", rcs="RCS Besançon 820 015 006", siren="820015006",
                vat_number="FR94820015006", email="compta@flexio.fr", website="https://www.flexio.fr",
                iban="FR7630006000011234567890189", bic="AGRIFRPP", creditor_id="FR72ZZZ123456")


def invoice(regime: str = "standard", method: str = "sepa_debit", seller: Seller = SELLER, **buyer: Any) -> dict[str, Any]:
    country = {"standard": "FR", "reverse_charge": "DE", "export": "US"}[regime]
    fields: dict[str, Any] = {
        "account": "acme", "legal_name": "ACME Électronique", "siren": "312456783" if country == "FR" else None,
        "vat_number": {"FR": "FR94312456783", "DE": "DE123456789", "US": None}[country], "vat_regime": regime,
        "address": {"line1": "1 rue de l'Église", "postcode": "25000", "city": "Besançon", "country": country},
        "billing_email": "f@acme.example", "payment_method": method,
        "mandate": {"reference": "RUM-1", "signed_on": "2026-02-01", "iban": "FR7630006000011234567890189",
                    "bic": None} if method == "sepa_debit" else None,
    }
    fields.update(buyer)
    # 339.29 + 40.00 - 100.00 (penalty credit) = 279.29 HT; standard VAT 20% = 55.858 -> 55.86; TTC 335.15.
    rate, vat = ("20.00", "55.86") if regime == "standard" else ("0.00", "0.00")
    ttc = f"{Decimal('279.29') + Decimal(vat):.2f}"
    draft = {"account": "acme", "month": "2026-02", "issue_date": "2026-03-02", "due_date": "2026-04-01",
             "dispute_deadline": "2026-03-22",
             "lines": [
                 {"kind": "plan_fee", "label": "Forfait", "quantity": "19/28", "unit_price": "500.00",
                  "amount": "339.29", "details": {}},
                 {"kind": "overage", "label": "Dépassement", "quantity": "16", "unit_price": "2.50", "amount": "40.00",
                  "details": {}},
                 {"kind": "penalty_credit", "label": "Dédommagement", "quantity": "1", "unit_price": None,
                  "amount": "-100.00", "details": {}},
             ],
             "total_ht": "279.29", "vat_rate": rate, "total_vat": vat, "total_ttc": ttc, "vat_mention": None,
             "payment_method": method, "collection_date": "2026-04-01", "mandate_reference": "RUM-1",
             "penalty_allocations": [], "grid_version": "2026-A"}
    return issued_document("FX-2026-000001", draft, seller, Buyer(**fields))


def rules(document: dict[str, Any]) -> set[str]:
    return {f.rule for f in validator().errors(build_cii(document))}


@pytest.mark.parametrize(("regime", "method"), [("standard", "sepa_debit"), ("standard", "transfer"),
                                                ("standard", "cheque"), ("reverse_charge", "transfer"),
                                                ("export", "transfer")])
def test_every_regime_and_payment_method_gives_a_valid_factur_x(regime: str, method: str) -> None:
    assert rules(invoice(regime, method)) == set()


def test_a_credit_note_is_a_valid_381_naming_the_invoice_it_corrects() -> None:
    source = invoice()
    # 40.00 HT at 20%: 8.00 VAT, 48.00 TTC.
    split = credit_split(Decimal("40.00"), Decimal("279.29"), Decimal("55.86"), Decimal(0), Decimal(0), Decimal(20))
    from datetime import date

    credit = credit_note_document("AV-2026-000001", source, split, "Geste", date(2026, 3, 10),
                                  SELLER.to_dict(), source["buyer"])
    xml = build_cii(credit)
    assert validator().errors(xml) == []
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml and b"<ram:GrandTotalAmount>48.00<" in xml
    assert b"<ram:IssuerAssignedID>FX-2026-000001</ram:IssuerAssignedID>" in xml


def test_missing_seller_vat_number_or_reverse_charge_without_buyer_vat_fail_with_their_rule_ids() -> None:
    no_vat = Seller(**{**SELLER.to_dict(), "vat_number": ""})
    assert "BR-S-02" in rules(invoice(seller=no_vat))
    assert "BR-AE-02" in rules(invoice("reverse_charge", "transfer", vat_number=None))


def test_a_batch_renders_each_document_to_its_own_deterministic_factur_x_pdf() -> None:
    first, second = invoice(), invoice("reverse_charge", "transfer")
    second["number"] = "FX-2026-000002"
    results = render_batch([first, second])
    again = render_batch([first, second])
    assert [r.number for r in results] == ["FX-2026-000001", "FX-2026-000002"]
    for a, b in zip(results, again, strict=True):
        assert a.pdf is not None and a.pdf == b.pdf  # fixed dates, stable font tags: same bytes
        assert a.batch == ("FX-2026-000001", "FX-2026-000002")
    text = " ".join((PdfReader(io.BytesIO(results[1].pdf or b"")).pages[0].extract_text() or "").split())
    assert "FACTURE FX-2026-000002" in text and "Autoliquidation" in text and "DE123456789" in text
    assert "FX-2026-000001" not in text  # only its own pages
    _name, xml = facturx.get_xml_from_pdf(results[0].pdf, check_xsd=True)
    assert xml == build_cii(first)


def test_a_failing_document_gets_no_pdf_only_its_rules() -> None:
    bad = invoice(seller=Seller(**{**SELLER.to_dict(), "vat_number": ""}))
    [result] = render_batch([bad])
    assert result.pdf is None and "BR-S-02" in {f.rule for f in result.failures}


def test_the_store_writes_once_and_never_serves_a_changed_file(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    digest = store.put("invoices/2026/FX-2026-000001.pdf", b"%PDF-1 original")
    assert digest == hashlib.sha256(b"%PDF-1 original").hexdigest()
    assert store.put("invoices/2026/FX-2026-000001.pdf", b"%PDF-1 original") == digest  # same bytes: no-op
    with pytest.raises(DocumentTampered):
        store.put("invoices/2026/FX-2026-000001.pdf", b"%PDF-1 other")
    path = tmp_path / "invoices/2026/FX-2026-000001.pdf"
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1 changed")
    with pytest.raises(DocumentTampered):
        store.read_verified("invoices/2026/FX-2026-000001.pdf", digest)
    with pytest.raises(DocumentTampered):
        store.restore("invoices/2026/FX-2026-000001.pdf", b"%PDF-1 other", digest)
    store.restore("invoices/2026/FX-2026-000001.pdf", b"%PDF-1 original", digest)
    assert store.read_verified("invoices/2026/FX-2026-000001.pdf", digest) == b"%PDF-1 original"
    with pytest.raises(ValueError):
        store.put("../escape.pdf", b"x")


def test_the_render_pool_gives_the_same_results_as_one_process() -> None:
    from billing.documents.render import check_many, render_batches

    documents = [invoice(), invoice("export", "transfer"), invoice(seller=Seller(**{**SELLER.to_dict(), "vat_number": ""}))]
    for index, document in enumerate(documents, start=1):
        document["number"] = f"FX-2026-{index:06d}"
    pooled = check_many(documents, workers=2, chunk=1)
    assert [bool(f) for f in pooled] == [False, False, True]
    batches = [documents[:1], documents[1:]]
    in_process = [r.pdf for batch in render_batches(batches, workers=1) for r in batch]
    over_pool = [r.pdf for batch in render_batches(batches, workers=2) for r in batch]
    assert over_pool == in_process and over_pool[2] is None
