"""One bad document never stops the others (issue 17.6), late-payment invoices get full documents,
the archive says what it leaves out, and the PDF route's 404 tells nothing (issue 17.7); on SQLite
and PostgreSQL.

The scenario (tests/e2e/test_sepa_export.py): acme, PRO 500.00 from 2026-02-10, installation 800.00,
sepa_debit with mandate RUM-ACME-001; February closed on 2026-03-02: plan 500 x 19/28 = 339.29,
installation 800.00, HT 1139.29, VAT 20 % 227.86, TTC 1367.15, due 2026-04-01, unpaid.
On 2026-05-01 it is 30 days late (2 April to 1 May) at max(2.15 + 10, 3 x 2.62) = 12.15 %:
1367.15 x 0.1215 x 30 / 365 = 13.6527... -> 13.65 interest, plus the 40.00 indemnity = 53.65.
"""

from __future__ import annotations

import io
import json
import subprocess
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import facturx
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from support.api_helpers import ADMIN, at, close_february, get, post
from support.http_helpers import setup_customer, token

from billing.documents.validation import validator
from billing.services.aggregates import find_aggregate
from billing.settings import Settings
from ledger.clock import FixedClock
from ledger.invoice import Invoice
from ledger.numbering import INVOICE_SERIES, InvoiceNumbering

SELLER_VAT = "FR94820015006"  # FR + (12 + 3 x (820015006 mod 97)) mod 97 = 94, + SIREN
CREDITOR_ID = "FR72ZZZ123456"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """FLEXIO's VAT number and SEPA creditor identity are settings without defaults (§1b): set them."""
    return settings.model_copy(update={"seller_vat_number": SELLER_VAT, "sepa_creditor_id": CREDITOR_ID,
                                       "sepa_creditor_iban": "FR7630006000011234567890189",
                                       "sepa_creditor_bic": "AGRIFRPP"})


def wait_document(client: TestClient, number: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = get(client, f"/v1/admin/invoices/{number}/document")
        if state["status"] != "pending":
            return state
        assert time.monotonic() < deadline, f"the document of {number} is still pending"
        time.sleep(0.1)


def pdftotext(pdf: bytes) -> str:
    """The text poppler's pdftotext reads from the PDF (not our code), whitespace collapsed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True).stdout
    return " ".join(out.decode("utf-8").replace("\u202f", " ").split())


def february_invoice(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    close_february(client, clock)
    assert wait_document(client, "FX-2026-000001")["status"] == "stored"


def issue_unrenderable_invoice(client: TestClient, number_on: date) -> str:
    """An invoice whose document lacks its buyer and seller, as late-payment invoices were issued
    before issue 17.6: its PDF cannot be laid out (today: a KeyError that stopped every batch)."""
    container = client.app.state.container  # type: ignore[attr-defined]
    ledger = container.ledger
    numbering = find_aggregate(ledger, InvoiceNumbering.create_id())
    seq = numbering.allocate(INVOICE_SERIES, number_on, 1)
    number = f"FX-{number_on.year}-{seq:06d}"
    document = {
        "number": number, "kind": "late_payment", "account": "acme", "month": "2026-02",
        "issue_date": number_on.isoformat(), "due_date": "2026-05-31", "dispute_deadline": "2026-05-21",
        "lines": [{"kind": "recovery_indemnity", "label": "Indemnité forfaitaire", "quantity": "1",
                   "unit_price": "40.00", "amount": "40.00", "details": {"invoice": "FX-2026-000001"}}],
        "total_ht": "40.00", "vat_rate": "0.00", "total_vat": "0.00", "total_ttc": "40.00",
        "vat_mention": "Hors champ", "payment_method": "sepa_debit", "collection_date": None,
        "mandate_reference": "RUM-ACME-001", "penalty_allocations": [], "grid_version": None, "late_payment": [],
    }
    ledger.save(numbering, Invoice(number=number, account="acme", month="2026-02", document=document))
    return number


def test_a_late_payment_invoice_gets_a_full_factur_x_document_outside_the_scope_of_vat(
    client: TestClient, clock: FixedClock
) -> None:
    february_invoice(client, clock)
    at(clock, "2026-05-01")
    invoice = post(client, "/v1/admin/customers/acme/late-payment-invoice", {"on": "2026-05-01"})
    assert invoice["number"] == "FX-2026-000002" and invoice["total_ttc"] == "53.65"  # 13.65 + 40.00
    # Seller and buyer frozen at issue, as on every invoice (L441-9).
    assert invoice["seller"]["siren"] == "820015006" and invoice["seller"]["vat_number"] == SELLER_VAT
    assert invoice["buyer"]["account"] == "acme" and invoice["buyer"]["mandate"]["reference"] == "RUM-ACME-001"
    state = wait_document(client, "FX-2026-000002")
    assert state["status"] == "stored", state

    pdf = client.get("/v1/invoices/FX-2026-000002.pdf", headers=ADMIN).content
    _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert validator().errors(xml) == []  # XSD + EN 16931 + French CTC, read back from the PDF
    tree = etree.fromstring(xml)
    # Outside the scope of VAT: category O on each line and in the breakdown, with its exemption code,
    # and no VAT identifier in the XML (EN 16931 BR-O-02); 0.00 VAT, 53.65 due.
    assert {c.text for c in tree.iter(f"{{{RAM}}}CategoryCode")} == {"O"}
    assert [c.text for c in tree.iter(f"{{{RAM}}}ExemptionReasonCode")] == ["VATEX-EU-O"]
    assert not [r for r in tree.iter(f"{{{RAM}}}SpecifiedTaxRegistration")]
    assert [a.text for a in tree.iter(f"{{{RAM}}}TaxTotalAmount")] == ["0.00"]
    assert [a.text for a in tree.iter(f"{{{RAM}}}DuePayableAmount")] == ["53.65"]
    text = pdftotext(pdf)
    for mention in (
        "FACTURE FX-2026-000002", "FLEXIO SAS", "820015006", SELLER_VAT, "ACME", "SIREN 312456783",
        "Intérêts de retard sur FX-2026-000001", "02/04/2026 – 01/05/2026", "30 jours", "13,65 €", "40,00 €",
        "53,65 €", "Hors champ d'application de la TVA", "TVA : hors champ", "1er mai 2026", "31 mai 2026",
        "21 mai 2026", "Pénalités de retard", "Pas d'escompte pour paiement anticipé", "RUM-ACME-001",
    ):
        assert mention in text, mention


def test_a_document_that_cannot_be_rendered_is_rejected_alone_and_the_others_are_stored(
    client: TestClient, clock: FixedClock
) -> None:
    february_invoice(client, clock)
    at(clock, "2026-05-01")
    broken = issue_unrenderable_invoice(client, date(2026, 5, 1))
    assert broken == "FX-2026-000002"
    # Issued after it: the late-payment invoice (53.65, see above) and a credit note on February
    # (100.00 HT, VAT 20.00, TTC -120.00); both render in the same batch as the broken one.
    assert post(client, "/v1/admin/customers/acme/late-payment-invoice", {"on": "2026-05-01"})["number"] == (
        "FX-2026-000003")
    credit = post(client, "/v1/admin/invoices/FX-2026-000001/credit-notes",
                  {"amount_ht": "100.00", "reason": "Geste commercial"})
    assert (credit["number"], credit["total_ttc"]) == ("AV-2026-000001", "-120.00")

    rejected = wait_document(client, broken)
    assert rejected["status"] == "rejected"
    [failure] = rejected["failures"]
    assert failure["rule"] == "RENDER" and "KeyError" in failure["message"] and "buyer" in failure["message"]
    assert wait_document(client, "FX-2026-000003")["status"] == "stored"
    assert wait_document(client, "AV-2026-000001")["status"] == "stored"
    refused = client.get(f"/v1/invoices/{broken}.pdf", headers=ADMIN)
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["failures"] == [failure]
    # The render job is done: nothing is left pending, a second run finds nothing.
    container = client.app.state.container  # type: ignore[attr-defined]
    assert container.documents.render_pending() == {"stored": 0, "rejected": 0, "remaining": 0}

    # The customer's archive has every stored PDF, and its manifest names what it could not include.
    acme = token(client, "customer", "acme")
    response = client.get("/v1/customers/acme/invoices/archive.zip?from=2026-03&to=2026-05", headers=acme)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["AV-2026-000001.pdf", "FX-2026-000001.pdf", "FX-2026-000003.pdf",
                                          "manifest.json"]
    manifest = json.loads(archive.read("manifest.json"))
    assert [d["number"] for d in manifest["documents"]] == ["FX-2026-000001", "AV-2026-000001", "FX-2026-000003"]
    [missing] = manifest["not_included"]
    assert {k: missing[k] for k in ("number", "kind", "issue_date", "status")} == {
        "number": broken, "kind": "invoice", "issue_date": "2026-05-01", "status": "rejected"}
    assert "RENDER" in missing["reason"]


def test_the_archive_names_a_document_still_pending(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    at(clock, "2026-05-01")
    pending = issue_unrenderable_invoice(client, date(2026, 5, 1))  # nothing has asked for its render yet
    acme = token(client, "customer", "acme")
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(client.get(
        "/v1/customers/acme/invoices/archive.zip?from=2026-03&to=2026-05", headers=acme).content)).read("manifest.json"))
    assert [d["number"] for d in manifest["documents"]] == ["FX-2026-000001"]
    assert manifest["not_included"] == [{"number": pending, "kind": "invoice", "issue_date": "2026-05-01",
                                         "status": "pending", "reason": "the document is not rendered yet"}]


def test_another_accounts_invoice_pdf_gets_the_very_404_of_one_that_does_not_exist(
    client: TestClient, clock: FixedClock
) -> None:
    february_invoice(client, clock)
    post(client, "/v1/admin/customers", {**_other_customer()})
    other = token(client, "customer", "other")
    theirs = client.get("/v1/invoices/FX-2026-000001.pdf", headers=other)
    absent = client.get("/v1/invoices/FX-2026-000099.pdf", headers=other)
    assert theirs.status_code == absent.status_code == 404
    # Same code, same message shape: only the number asked for differs.
    assert theirs.json() == {"error": {"code": "not_found", "message": "invoice 'FX-2026-000001' not found",
                                       "details": None}}
    assert absent.json() == {"error": {"code": "not_found", "message": "invoice 'FX-2026-000099' not found",
                                       "details": None}}
    assert client.get("/v1/invoices/FX-2026-000001", headers=other).json()["error"] == theirs.json()["error"]


def _other_customer() -> dict[str, Any]:
    from support.factories import customer

    return customer("other")
