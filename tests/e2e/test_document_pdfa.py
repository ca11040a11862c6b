"""Every stored PDF is PDF/A-3 B with its Factur-X attachment (issue 19.1), checked by validators we
did not write: Apache PDFBox Preflight (Debian's libpdfbox2-java, scripts/ensure-pdfbox) and
poppler's pdffonts and pdftotext; and the invoice shows the Advanced Support hours used / included
(BILLING_RULES §5.3, issue 18). On SQLite and PostgreSQL, through a real close.

The scenario: acme (PRO 500.00 from 2026-02-10, installation 800.00, sepa_debit) takes Advanced
Support AS4 (380.00 a month, 4 hours included, 95.00 an extra hour) from 2026-02-10 and uses
5.5 + 1 = 6.5 hours in February. The February invoice, issued 2026-03-02:
  plan 500 x 19/28 = 339.285... -> 339.29; AS4 380 x 19/28 = 257.857... -> 257.86;
  extra hours (6.5 - 4 = 2.5) x 95.00 = 237.50; installation 800.00;
  HT 339.29 + 257.86 + 237.50 + 800.00 = 1634.65; VAT 20 % 326.93; TTC 1961.58.
Then a credit note of 100.00 HT (VAT 20.00, TTC -120.00) and, on 2026-05-01, a late-payment invoice
of 30 days at 12.15 % on 1961.58 - 120.00 = 1841.58: 1841.58 x 0.1215 x 30 / 365 = 18.390... -> 18.39,
plus 40.00 = 58.39.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient
from lxml import etree
from pypdf import PdfReader
from support.api_helpers import ADMIN, at, close_february, get, post
from support.http_helpers import setup_customer
from test_document_isolation import pdftotext, settings, wait_document  # noqa: F401  (the settings fixture)

from ledger.clock import FixedClock

JARS = ("preflight.jar", "pdfbox2.jar", "xmpbox.jar", "fontbox2.jar", "commons-logging.jar",
        "javax.activation.jar", "jaxb-api.jar")
# PDFBox Preflight validates PDF/A-1b (ISO 19005-1) only. What it reports that PDF/A-3 (ISO 19005-3)
# allows, each set aside by name; any other finding fails the test.
ALLOWED = {
    "1.4.7": "EmbeddedFiles in the Names dictionary: ISO 19005-3 6.8 allows embedded files (factur-x.xml)",
    "1.2.9": "EF in a file specification: ISO 19005-3 6.8 allows it, with /AFRelationship (Factur-X: Data)",
    "7.11.2": "pdfaid:part is 3, not 1: the file claims PDF/A-3 (ISO 19005-3 6.6.4), which is what it is",
}
X = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
     "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
     "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#"}


def preflight(paths: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """PDFBox Preflight's findings (code, details) per file, one JVM for all of them."""
    classpath = ":".join(f"/usr/share/java/{jar}" for jar in JARS)
    missing = [jar for jar in JARS if not os.path.exists(f"/usr/share/java/{jar}")]
    assert not missing, f"PDFBox Preflight is not installed ({missing}): run scripts/ensure-pdfbox"
    listing = paths[0].parent / "files.txt"
    listing.write_text("".join(f"{p}\n" for p in paths))
    subprocess.run(["java", "-cp", classpath, "org.apache.pdfbox.preflight.Validator_A1b", "xml", "group",
                    str(listing)], check=False, capture_output=True, timeout=300)
    report = etree.parse(str(listing) + ".preflight.xml")
    found: dict[str, list[tuple[str, str]]] = {}
    for result in report.iter("preflight"):
        assert result.find("exceptionThrown") is None, etree.tostring(result).decode()
        found[result.get("name")] = [(e.findtext("code"), e.findtext("details")) for e in result.iter("error")]
    assert sorted(found) == sorted(p.name for p in paths)
    return found


def pdffonts(path: Path) -> list[list[str]]:
    """poppler's font table: name, type, encoding, emb, sub, uni, object id."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def check_pdfa_structure(path: Path) -> None:
    """What ISO 19005-3 and Factur-X 1.0 ask beyond what Preflight's PDF/A-1 checks know."""
    reader = PdfReader(path)
    first, second = reader.trailer["/ID"]
    assert len(first) == 16 and first == second  # 6.1.3: the trailer has an ID
    [intent] = [i.get_object() for i in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1" and intent["/OutputConditionIdentifier"] == "sRGB IEC61966-2.1"
    profile = intent["/DestOutputProfile"].get_object()
    icc = profile.get_data()
    assert profile["/N"] == 3 and icc[16:20] == b"RGB " and icc[36:40] == b"acsp"  # an RGB ICC profile
    metadata = reader.trailer["/Root"]["/Metadata"].get_object()
    assert "/Filter" not in metadata
    xmp = etree.fromstring(metadata.get_data())
    assert xmp.findtext(".//pdfaid:part", namespaces=X) == "3"
    assert xmp.findtext(".//pdfaid:conformance", namespaces=X) == "B"
    assert xmp.findtext(".//fx:DocumentType", namespaces=X) == "INVOICE"
    assert xmp.findtext(".//fx:DocumentFileName", namespaces=X) == "factur-x.xml"
    assert xmp.findtext(".//fx:ConformanceLevel", namespaces=X) == "EN 16931"
    assert X["fx"] in [n.text for n in xmp.iterfind(".//pdfaSchema:namespaceURI", namespaces=X)]
    [spec] = [s.get_object() for s in reader.trailer["/Root"]["/AF"]]
    assert spec["/F"] == "factur-x.xml" and spec["/AFRelationship"] == "/Data"
    fonts = pdffonts(path)
    assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # every font embedded


def stored_pdfs(client: TestClient, clock: FixedClock) -> dict[str, bytes]:
    setup_customer(client)
    post(client, "/v1/admin/customers/acme/options",
         {"option": "advanced_support", "pack": "AS4", "accepted_on": "2026-02-10"})
    post(client, "/v1/admin/customers/acme/support-hours", {"on": "2026-02-12", "hours": "5.5", "note": "migration"})
    post(client, "/v1/admin/customers/acme/support-hours", {"on": "2026-02-20", "hours": "1", "note": "formation"})
    close_february(client, clock)
    [invoice] = get(client, "/v1/admin/invoices?month=2026-02")["invoices"]
    assert (invoice["total_ht"], invoice["total_vat"], invoice["total_ttc"]) == ("1634.65", "326.93", "1961.58")
    at(clock, "2026-03-10")
    post(client, "/v1/admin/invoices/FX-2026-000001/credit-notes", {"amount_ht": "100.00", "reason": "Geste"})
    at(clock, "2026-05-01")
    late = post(client, "/v1/admin/customers/acme/late-payment-invoice", {"on": "2026-05-01"})
    assert (late["number"], late["total_ttc"]) == ("FX-2026-000002", "58.39")
    pdfs = {}
    for number in ("FX-2026-000001", "AV-2026-000001", "FX-2026-000002"):
        assert wait_document(client, number)["status"] == "stored"
        response = client.get(f"/v1/invoices/{number}.pdf", headers=ADMIN)
        assert response.status_code == 200
        pdfs[number] = response.content
    return pdfs


def test_every_stored_pdf_is_pdf_a_3_b_with_its_factur_x_attachment(client: TestClient, clock: FixedClock) -> None:
    pdfs = stored_pdfs(client, clock)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for number, pdf in pdfs.items():
            path = Path(tmp) / f"{number}.pdf"
            path.write_bytes(pdf)
            paths.append(path)
            check_pdfa_structure(path)
        findings = preflight(paths)
    for name, errors in findings.items():
        unexpected = [(code, details) for code, details in errors if code not in ALLOWED]
        assert unexpected == [], (name, unexpected)


def test_the_invoice_shows_the_advanced_support_hours_used_and_included(
    client: TestClient, clock: FixedClock
) -> None:
    text = pdftotext(stored_pdfs(client, clock)["FX-2026-000001"])
    # §5.3: 6.5 hours used of the pack's 4 included; 2.5 extra hours at 95.00 = 237.50.
    assert "Heures d'accompagnement utilisées / incluses : 6,5 h / 4 h" in text
    for shown in ("Accompagnement Avancé AS4", "257,86 €", "2,5 h", "95,00 €", "237,50 €", "1 961,58 €"):
        assert shown in text, shown

