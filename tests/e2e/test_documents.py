"""Invoice documents over HTTP, on SQLite and PostgreSQL: identities frozen at issue, Factur-X PDFs
validated before they are stored, hash-checked serving, credit notes and the customer archive.

The worked example of BILLING_RULES §10 is the invoice throughout: plan 500.00 for 19 of 28 days
= 339.29, overage 16 blocks x 2.50 = 40.00, installation 800.00; HT 1,179.29, VAT 20% 235.86,
TTC 1,415.15, issued 2026-03-02.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import facturx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from support.api_helpers import ADMIN, at, close_february, get, post
from support.factories import GRID_2026_A, contract, customer, usage_events

from billing.documents.validation import validator
from billing.settings import Settings
from ledger.clock import FixedClock

SELLER_VAT = "FR94820015006"  # FR + key (12 + 3 x (820015006 mod 97)) mod 97 = 94 + SIREN
CREDITOR_ID = "FR72ZZZ123456"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """FLEXIO's VAT number and SEPA creditor id are settings without defaults (§1b): set them."""
    return settings.model_copy(update={"seller_vat_number": SELLER_VAT, "sepa_creditor_id": CREDITOR_ID})


def worked_example(client: TestClient, clock: FixedClock) -> dict[str, Any]:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme", legal_name="ACME Électronique SAS",
                                                 address={"line1": "3 rue de l'Église", "postcode": "25000",
                                                          "city": "Besançon", "country": "FR"}))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    # 35,000 credits in February: 5,000 events of 7 credits.
    post(client, "/v1/usage", {"events": usage_events("acme", 5000)}, 200)
    close_february(client, clock)
    [invoice] = get(client, "/v1/admin/invoices?month=2026-02")["invoices"]
    return invoice


def wait_document(client: TestClient, number: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = get(client, f"/v1/admin/invoices/{number}/document")
        if state["status"] != "pending":
            return state
        assert time.monotonic() < deadline, f"the document of {number} is still pending"
        time.sleep(0.1)


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def customer_token(client: TestClient, account: str) -> dict[str, str]:
    token = post(client, "/v1/admin/tokens", {"role": "customer", "account": account})["token"]
    return {"Authorization": f"Bearer {token}"}


def test_an_issued_invoice_gets_a_validated_factur_x_pdf_with_every_mandatory_mention(
    client: TestClient, clock: FixedClock
) -> None:
    invoice = worked_example(client, clock)
    assert invoice["number"] == "FX-2026-000001"
    assert (invoice["total_ht"], invoice["total_vat"], invoice["total_ttc"]) == ("1179.29", "235.86", "1415.15")
    # Identities frozen into the issued document.
    assert invoice["seller"]["vat_number"] == SELLER_VAT and invoice["seller"]["siren"] == "820015006"
    assert invoice["buyer"]["legal_name"] == "ACME Électronique SAS"
    assert invoice["buyer"]["mandate"]["reference"] == "RUM-ACME-001"
    state = wait_document(client, "FX-2026-000001")
    assert state["status"] == "stored", state

    response = client.get("/v1/invoices/FX-2026-000001.pdf", headers=ADMIN)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert hashlib.sha256(pdf).hexdigest() == state["sha256"]
    # The embedded CII passes XSD + EN 16931 + French CTC rules again, read back from the PDF.
    _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert validator().errors(xml) == []
    assert b"<ram:TypeCode>380</ram:TypeCode>" in xml and b"<ram:GrandTotalAmount>1415.15<" in xml
    text = pdf_text(pdf)
    for mention in (
        "FACTURE FX-2026-000001", "FLEXIO SAS", "820015006", SELLER_VAT, "ACME Électronique SAS",
        "3 rue de l'Église", "312456783", "FR94312456783", "19/28 jours", "500,00 €", "339,29 €",
        "16 blocs de 500 crédits", "35 000 crédits consommés", "1 179,29 €", "235,86 €", "1 415,15 €",
        "2 mars 2026", "1er avril 2026",
        "22 mars 2026", "20 jours", "compta@flexio.fr", "RUM-ACME-001", CREDITOR_ID, "pré-notification",
        "40 EUR", "Pas d'escompte pour paiement anticipé", "taux directeur de la BCE majoré de 10 points",
        "Prestations de services",
    ):
        assert mention in text.replace("\u202f", " "), mention


def test_a_stored_file_that_no_longer_matches_its_hash_is_never_served_and_a_rerender_restores_it(
    client: TestClient, clock: FixedClock, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    worked_example(client, clock)
    state = wait_document(client, "FX-2026-000001")
    original = client.get("/v1/invoices/FX-2026-000001.pdf", headers=ADMIN).content
    stored = Path(settings.storage_dir) / "invoices" / "2026" / "FX-2026-000001.pdf"
    assert stored.read_bytes() == original
    os.chmod(stored, 0o644)
    middle = len(original) // 2
    damaged = original[:middle] + bytes([original[middle] ^ 0xFF]) + original[middle + 1 :]
    stored.write_bytes(damaged)  # one byte changed on disk

    with caplog.at_level(logging.ERROR, logger="billing.documents.storage"):
        response = client.get("/v1/invoices/FX-2026-000001.pdf", headers=ADMIN)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "document_tampered"
    assert "does not match its recorded hash" in caplog.text
    token = post(client, "/v1/admin/tokens", {"role": "customer", "account": "acme"})["token"]
    archive = client.get("/v1/customers/acme/invoices/archive.zip?from=2026-03&to=2026-03",
                         headers={"Authorization": f"Bearer {token}"})
    assert archive.status_code == 409  # the archive is refused whole, before its first byte

    answer = post(client, "/v1/admin/invoices/FX-2026-000001/document/rerender", {}, 200)
    assert answer == {"number": "FX-2026-000001", "restored": True, "sha256": state["sha256"]}
    again = client.get("/v1/invoices/FX-2026-000001.pdf", headers=ADMIN)
    assert again.status_code == 200 and again.content == original


def test_credit_notes_take_back_ht_and_vat_like_the_invoice_in_their_own_series(
    client: TestClient, clock: FixedClock
) -> None:
    worked_example(client, clock)
    at(clock, "2026-03-10")
    first = post(client, "/v1/admin/invoices/FX-2026-000001/credit-notes",
                 {"amount_ht": "40.00", "reason": "Dépassement contesté"})
    # 40.00 HT at 20%: VAT 8.00, TTC 48.00, negative.
    assert first["number"] == "AV-2026-000001" and first["corrects"] == "FX-2026-000001"
    assert (first["total_ht"], first["total_vat"], first["total_ttc"]) == ("-40.00", "-8.00", "-48.00")
    assert get(client, "/v1/invoices/FX-2026-000001")["status"] == "issued"
    state = wait_document(client, "AV-2026-000001")
    assert state["status"] == "stored", state
    pdf = client.get("/v1/invoices/AV-2026-000001.pdf", headers=ADMIN).content
    _name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert validator().errors(xml) == []
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml and b"<ram:IssuerAssignedID>FX-2026-000001<" in xml
    assert b"<ram:GrandTotalAmount>48.00<" in xml  # a 381 carries positive amounts
    text = pdf_text(pdf).replace("\u202f", " ")
    assert "AVOIR AV-2026-000001" in text and "FX-2026-000001" in text and "2 mars 2026" in text

    # What is left: 1,179.29 - 40.00 = 1,139.29 HT; one cent more is refused, nothing written.
    for bad in ({"amount_ht": "1139.30", "reason": "x"}, {"amount_ht": "0", "reason": "x"},
                {"amount_ht": "-5.00", "reason": "x"}, {"amount_ht": "abc", "reason": "x"},
                {"amount_ht": "1.001", "reason": "x"}, {"amount_ht": 12.5, "reason": "x"},
                {"amount_ht": "10.00"}, {"amount_ht": "10.00", "reason": ""}):
        response = client.post("/v1/admin/invoices/FX-2026-000001/credit-notes", json=bad, headers=ADMIN)
        assert response.status_code == 422, (bad, response.text)
    on_credit_note = client.post("/v1/admin/invoices/AV-2026-000001/credit-notes",
                                 json={"amount_ht": "1.00", "reason": "x"}, headers=ADMIN)
    assert on_credit_note.status_code == 422
    unknown = client.post("/v1/admin/invoices/FX-2026-999999/credit-notes",
                          json={"amount_ht": "1.00", "reason": "x"}, headers=ADMIN)
    assert unknown.status_code == 404

    # The rest: 1,139.29 HT; VAT = 235.86 - 8.00 = 227.86 (so the invoice nets to zero to the cent);
    # TTC 1,367.15. The invoice is then credited, and the AV series has no gap.
    rest = post(client, "/v1/admin/invoices/FX-2026-000001/credit-notes", {"amount_ht": "1139.29", "reason": "Résiliation"})
    assert rest["number"] == "AV-2026-000002"
    assert (rest["total_ht"], rest["total_vat"], rest["total_ttc"]) == ("-1139.29", "-227.86", "-1367.15")
    assert get(client, "/v1/invoices/FX-2026-000001")["status"] == "credited"
    refused = client.post("/v1/admin/invoices/FX-2026-000001/credit-notes",
                          json={"amount_ht": "0.01", "reason": "x"}, headers=ADMIN)
    assert refused.status_code == 422


def test_customers_list_download_and_archive_their_own_documents_only(client: TestClient, clock: FixedClock) -> None:
    worked_example(client, clock)
    at(clock, "2026-03-10")
    post(client, "/v1/admin/invoices/FX-2026-000001/credit-notes", {"amount_ht": "40.00", "reason": "Geste commercial"})
    wait_document(client, "FX-2026-000001")
    wait_document(client, "AV-2026-000001")
    post(client, "/v1/admin/customers", customer("other"))
    acme, other = customer_token(client, "acme"), customer_token(client, "other")

    listing = client.get("/v1/customers/acme/invoices", headers=acme).json()
    assert [i["number"] for i in listing["invoices"]] == ["FX-2026-000001"]
    assert [c["number"] for c in listing["credit_notes"]] == ["AV-2026-000001"]
    assert client.get("/v1/invoices/FX-2026-000001.pdf", headers=acme).status_code == 200
    assert client.get("/v1/invoices/FX-2026-000001.pdf", headers=other).status_code == 404
    assert client.get("/v1/invoices/FX-2026-000077.pdf", headers=acme).status_code == 404
    assert client.get("/v1/customers/acme/invoices", headers=other).status_code == 404

    response = client.get("/v1/customers/acme/invoices/archive.zip?from=2026-01&to=2026-03", headers=acme)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["AV-2026-000001.pdf", "FX-2026-000001.pdf", "manifest.json"]
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["documents"]:
        assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
    assert [e["number"] for e in manifest["documents"]] == ["FX-2026-000001", "AV-2026-000001"]

    for query in ("from=2026-03&to=2026-01", "from=2021-03&to=2026-03", "from=2026-13&to=2026-03"):
        bad = client.get(f"/v1/customers/acme/invoices/archive.zip?{query}", headers=acme)
        assert bad.status_code == 422, query
    assert client.get("/v1/customers/acme/invoices/archive.zip?from=2026-01&to=2026-03", headers=other).status_code == 404


def test_a_later_change_of_the_customer_never_changes_an_issued_document(
    client: TestClient, clock: FixedClock
) -> None:
    invoice = worked_example(client, clock)
    state = wait_document(client, invoice["number"])
    container = client.app.state.container  # type: ignore[attr-defined]
    from sqlalchemy import update

    from billing.persistence import tables as t

    with container.engine.begin() as conn:  # the customer moves and changes its name
        conn.execute(update(t.accounts).where(t.accounts.c.account == "acme").values(
            legal_name="ACME Renamed", address={"line1": "9 av. Neuve", "postcode": "75001", "city": "Paris",
                                               "country": "FR"}))
    again = get(client, f"/v1/invoices/{invoice['number']}")
    assert again["buyer"]["legal_name"] == "ACME Électronique SAS"
    assert again["buyer"]["address"]["city"] == "Besançon"
    assert get(client, f"/v1/admin/invoices/{invoice['number']}/document")["sha256"] == state["sha256"]


def test_customer_access_closes_on_the_last_day_of_service_after_a_termination(
    client: TestClient, clock: FixedClock
) -> None:
    worked_example(client, clock)
    wait_document(client, "FX-2026-000001")
    at(clock, "2026-03-05")
    post(client, "/v1/admin/customers/acme/termination",
         {"notified_on": "2026-03-05", "channel": "email", "requested_end": "2026-05-09"})
    acme = customer_token(client, "acme")
    service_end = get(client, "/v1/admin/customers/acme")
    end = service_end.get("service_end") or service_end.get("termination", {}).get("effective_end")
    assert end is not None
    at(clock, end)  # the last day of service: still open
    assert client.get("/v1/customers/acme/invoices", headers=acme).status_code == 200
    assert client.get("/v1/invoices/FX-2026-000001.pdf", headers=acme).status_code == 200
    from datetime import date, timedelta

    at(clock, (date.fromisoformat(end) + timedelta(days=1)).isoformat())  # the day after: closed
    # The customer's tokens stop working after the last day of service (§9, API.md "Auth"): 401.
    assert client.get("/v1/customers/acme/invoices", headers=acme).status_code == 401
    assert client.get("/v1/invoices/FX-2026-000001.pdf", headers=acme).status_code == 401
    assert client.get("/v1/invoices/FX-2026-000001.pdf", headers=ADMIN).status_code == 200  # finance keeps it
