"""SEPA direct-debit files over HTTP (API.md "Exports", BILLING_RULES §8), on SQLite and PostgreSQL.

The scenario: acme (service start 2026-02-10, PRO 500.00, installation 800.00, sepa_debit, mandate
RUM-ACME-001 signed 2026-02-01), February closed on 2026-03-02:
  plan 500 × 19/28 = 339.285… → 339.29; installation 800.00; HT 1139.29; VAT 20 % 227.858 → 227.86;
  TTC 1367.15, due 2026-04-01 (a Wednesday, a TARGET2 day).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from conftest import ADMIN_TOKEN, reset_pg_schema
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from support.api_helpers import ADMIN, at, close_february, get, post, wait_closed
from support.http_helpers import setup_customer

from billing.persistence import tables as t
from billing.settings import Settings
from ledger.clock import FixedClock

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}
SCHEMAS = Path(xmlschema.__file__).parent.parent / "sepaxml" / "schemas"
CREDITOR_ID = "FR72ZZZ123456"  # ISO 7064 mod 97-10 over "123456" + "FR00": check digits 72
ACME_FEB_TTC = "1367.15"


@pytest.fixture
def settings(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings plus FLEXIO's creditor settings (API.md BILLING_SEPA_CREDITOR_*)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/billing.db"
    else:
        url = request.getfixturevalue("pg_url")
        reset_pg_schema(url)
    return Settings(
        database_url=url,
        admin_token=ADMIN_TOKEN,
        storage_dir=tmp_path / "documents",
        sepa_creditor_id=CREDITOR_ID,
        sepa_creditor_iban="FR7630006000011234567890189",
        sepa_creditor_bic="AGRIFRPP",
    )


def sepa(client: TestClient, body: dict[str, Any], status: int = 200) -> Any:
    response = client.post("/v1/admin/exports/sepa", json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    return response


def validate(content: bytes, version: str = "pain.008.001.08") -> Any:
    schema = xmlschema.XMLSchema(str(SCHEMAS / f"{version}.xsd"))
    schema.validate(content.decode())
    return schema


def debits(content: bytes) -> list[dict[str, str]]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(content)
    found = []
    for info in root.iterfind(".//p:PmtInf", NS):
        kind = info.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS)
        for tx in info.iterfind("p:DrctDbtTxInf", NS):
            found.append(
                {
                    "invoice": tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
                    "amount": tx.findtext("p:InstdAmt", namespaces=NS),
                    "type": kind,
                    "date": info.findtext("p:ReqdColltnDt", namespaces=NS),
                    "street": tx.findtext("p:Dbtr/p:PstlAdr/p:StrtNm", namespaces=NS),
                    "building": tx.findtext("p:Dbtr/p:PstlAdr/p:BldgNb", namespaces=NS),
                    "town": tx.findtext("p:Dbtr/p:PstlAdr/p:TwnNm", namespaces=NS),
                    "mandate": tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=NS),
                }
            )
    return found


def dispute_email(number: str) -> bytes:
    return (
        "Received: from mx.flexio.fr by imap.flexio.fr with LMTP; Tue, 10 Mar 2026 10:12:45 +0100\r\n"
        "From: \"Claire Martin\" <compta@acme.fr>\r\nTo: compta@flexio.fr\r\n"
        f"Subject: Contestation facture {number}\r\nDate: Tue, 10 Mar 2026 10:12:01 +0100\r\n"
        "Message-ID: <20260310101201.SEPA@acme.fr>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"Bonjour,\r\n\r\nNous contestons 40,00 € sur la facture {number}, car les frais d'installation"
        " ont déjà été réglés à la signature du bon de commande.\r\n\r\nCordialement,\r\nClaire Martin\r\n"
    ).encode()


def february_invoice(client: TestClient, clock: FixedClock) -> str:
    setup_customer(client)
    close_february(client, clock)
    number: str = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]["number"]
    return number


def test_a_file_collects_the_due_invoice_as_frst_validated_and_recorded(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-30")
    response = sepa(client, {"collection_date": "2026-04-01", "scheme": "CORE"})
    assert response.headers["content-type"].startswith("application/xml")
    content = response.content
    validate(content)
    assert debits(content) == [
        {"invoice": number, "amount": ACME_FEB_TTC, "type": "FRST", "date": "2026-04-01",
         "street": "rue X", "building": "1", "town": "Besancon", "mandate": "RUM-ACME-001"}
    ]
    assert b"<MsgId>FLEXIO-SDD-CORE-20260401</MsgId>" in content
    assert b"<CreDtTm>2026-03-30T12:00:00</CreDtTm>" in content
    assert b"<Id>FR72ZZZ123456</Id>" in content
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.connect() as conn:
        row = conn.execute(select(t.sepa_files)).one()
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert (row.debits, str(row.total)) == (1, ACME_FEB_TTC)


def test_the_same_date_again_returns_the_same_file_and_an_invoice_is_in_one_file_only(
    client: TestClient, clock: FixedClock
) -> None:
    february_invoice(client, clock)
    at(clock, "2026-03-30")
    first = sepa(client, {"collection_date": "2026-04-01"}).content
    at(clock, "2026-03-31")
    assert sepa(client, {"collection_date": "2026-04-01"}).content == first
    # The next TARGET2 day: the February invoice is in the 2026-04-01 file already, nothing is left.
    refused = sepa(client, {"collection_date": "2026-04-02"}, 409).json()
    assert refused["error"]["code"] == "conflict"


def test_the_next_collection_on_the_mandate_is_rcur(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    at(clock, "2026-03-30")
    sepa(client, {"collection_date": "2026-04-01"})
    at(clock, "2026-04-01")
    post(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-01"}, 202)
    wait_closed(client, "2026-03")
    march = get(client, "/v1/admin/invoices?month=2026-03")["invoices"][0]
    # March: plan 500.00 HT, VAT 100.00, TTC 600.00, due 2026-05-01 (1 May: TARGET2 closed).
    assert (march["total_ttc"], march["due_date"]) == ("600.00", "2026-05-01")
    refused = sepa(client, {"collection_date": "2026-05-01"}, 422).json()
    assert refused["error"]["details"]["field"] == "collection_date"
    content = sepa(client, {"collection_date": "2026-05-04"}).content
    validate(content)
    assert [(d["invoice"], d["amount"], d["type"]) for d in debits(content)] == [(march["number"], "600.00", "RCUR")]


def test_a_disputed_invoice_is_held_back_and_credit_notes_are_netted(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    container = client.app.state.container  # type: ignore[attr-defined]
    # A valid dispute (§8, art. 10.2): received on 10 March, within 20 days of the 2 March issue, from
    # acme's billing address, naming the invoice, 40.00 and the facts. It holds the invoice.
    at(clock, "2026-03-10", hour=11)
    response = client.post("/v1/admin/disputes/emails", content=dispute_email(number),
                           headers={**ADMIN, "Content-Type": "message/rfc822"})
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["valid"], get(client, f"/v1/invoices/{number}")["status"]) == (True, "disputed")
    at(clock, "2026-03-30")
    refused = sepa(client, {"collection_date": "2026-04-01"}, 409).json()
    assert refused["error"]["details"]["held"][0]["invoice"] == number
    # Finance rejects the dispute: the invoice is issued again, and collected.
    post(client, f"/v1/admin/disputes/{case['case']}/resolve", {"outcome": "rejected", "note": "plan fee checked"}, 200)
    assert get(client, f"/v1/invoices/{number}")["status"] == "issued"
    # A credit note of 40.00 HT on it (issue 11 projects credit notes into this table): VAT 8.00,
    # TTC -48.00; 1367.15 - 48.00 = 1319.15 is collected.
    with container.engine.begin() as conn:
        conn.execute(insert(t.credit_notes).values(number="AV-2026-000001", account="acme", corrects=number,
                                                   total_ht=-40, total_vat=-8, total_ttc=-48))
    content = sepa(client, {"collection_date": "2026-04-01"}).content
    assert [(d["invoice"], d["amount"]) for d in debits(content)] == [(number, "1319.15")]


def test_pain_008_001_02_on_request_with_b2b(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-30")
    content = sepa(client, {"collection_date": "2026-04-01", "scheme": "B2B", "version": "pain.008.001.02"}).content
    validate(content, "pain.008.001.02")
    assert b"<Cd>B2B</Cd>" in content and number.encode() in content
    # Same date and scheme in another version: the file exists already in .02.
    assert sepa(client, {"collection_date": "2026-04-01", "scheme": "B2B"}, 409).json()["error"]["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"collection_date": "2026-03-27"}, "collection_date"),  # in the past (today 2026-03-30)
        ({"collection_date": "2026-03-30"}, "collection_date"),  # today: the bank needs it the day before
        ({"collection_date": "2026-04-03"}, "collection_date"),  # Good Friday 2026: TARGET2 closed
        ({"collection_date": "2026-04-04"}, "collection_date"),  # a Saturday
        ({"collection_date": "2026-04-01", "scheme": "COR1"}, "scheme"),
        ({"collection_date": "2026-04-01", "version": "pain.008.003.02"}, "version"),
        ({"collection_date": "2026-13-01"}, "collection_date"),
    ],
)
def test_bad_requests_are_refused_422_and_write_nothing(
    client: TestClient, clock: FixedClock, body: dict[str, Any], field: str
) -> None:
    february_invoice(client, clock)
    at(clock, "2026-03-30")
    answer = sepa(client, body, 422).json()
    assert answer["error"]["details"]["field"] == field
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.connect() as conn:
        assert conn.execute(select(t.sepa_files)).all() == []
    assert not (container.settings.storage_dir / "sepa").exists() or not os.listdir(container.settings.storage_dir / "sepa")


def test_missing_or_invalid_creditor_settings_are_refused(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    at(clock, "2026-03-30")
    container = client.app.state.container  # type: ignore[attr-defined]
    settings = container.settings
    settings.sepa_creditor_id = ""
    missing = sepa(client, {"collection_date": "2026-04-01"}, 409).json()
    assert missing["error"]["details"]["missing"] == ["BILLING_SEPA_CREDITOR_ID"]
    settings.sepa_creditor_id = "FR73ZZZ123456"  # wrong check digits
    assert "creditor identifier" in sepa(client, {"collection_date": "2026-04-01"}, 409).json()["error"]["message"]
    with container.engine.connect() as conn:
        assert conn.execute(select(t.sepa_files)).all() == []


def test_a_rejected_first_debit_is_collected_again_as_frst(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-30")
    sepa(client, {"collection_date": "2026-04-01"})
    at(clock, "2026-04-03")
    post(client, "/v1/admin/exports/sepa/returns",
         {"invoice": number, "collection_date": "2026-04-01", "reason": "AM04", "returned_on": "2026-04-03"})
    bad = client.post("/v1/admin/exports/sepa/returns", headers=ADMIN,
                      json={"invoice": number, "collection_date": "2026-04-01", "reason": "XX99",
                            "returned_on": "2026-04-03"})
    assert bad.status_code == 422
    # Insufficient funds on the first collection: the mandate was never used, the invoice goes in
    # the next file again, as FRST.
    content = sepa(client, {"collection_date": "2026-04-07"}).content
    assert [(d["invoice"], d["amount"], d["type"]) for d in debits(content)] == [(number, ACME_FEB_TTC, "FRST")]


def test_bad_returns_are_refused_and_change_nothing(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-30")
    sepa(client, {"collection_date": "2026-04-01"})
    at(clock, "2026-04-03")
    body = {"invoice": number, "collection_date": "2026-04-01", "reason": "AM04", "returned_on": "2026-04-03"}
    cases = [
        ({**body, "collection_date": "2026-04-02"}, 404),  # no file that day
        ({**body, "invoice": "FX-2026-999999"}, 404),  # not in the file
        ({**body, "returned_on": "2026-03-31"}, 422),  # before the collection
        ({**body, "reason": "am04"}, 422),
    ]
    for case, status in cases:
        response = client.post("/v1/admin/exports/sepa/returns", json=case, headers=ADMIN)
        assert response.status_code == status, (case, response.text)
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.connect() as conn:
        assert conn.execute(select(t.sepa_debits.c.return_reason)).scalars().all() == [None]
    post(client, "/v1/admin/exports/sepa/returns", body)
    again = client.post("/v1/admin/exports/sepa/returns", json=body, headers=ADMIN)
    assert again.status_code == 409
