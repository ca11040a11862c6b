"""POST /v1/admin/pa/lifecycle (API.md "Plateforme agréée"): the official XP Z12-012 lifecycle messages,
addressed to an invoice we issued, are recorded once each and show in the invoice JSON's ``lifecycle``;
a message that fails the CDAR schema is a 422, one for an invoice we did not issue a 404. On SQLite and
PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post, wait_closed
from support.http_helpers import setup_customer, token
from support.standards import cdar_examples

from ledger.clock import FixedClock

XML = {**ADMIN, "Content-Type": "application/xml"}
FLEXIO_SIREN = b"820015006"  # BILLING_SELLER_SIREN's default; AFNOR's examples have seller 100000009


def _issue_one(client: TestClient, clock: FixedClock) -> str:
    setup_customer(client)
    at(clock, "2026-03-02")
    post(client, "/v1/admin/months/2026-02/close", {"issue_date": "2026-03-02"}, 202)
    wait_closed(client, "2026-02")
    (invoice,) = get(client, "/v1/admin/invoices?month=2026-02")["invoices"]
    return str(invoice["number"])


def _example(fragment: str, number: str | None = None, seller: bytes = FLEXIO_SIREN) -> bytes:
    """An official message of AFNOR's UC1, turned to our invoice ``number``, FLEXIO as its seller."""
    (path,) = [p for p in cdar_examples() if p.name.endswith(fragment)]
    raw = path.read_bytes()
    return raw if number is None else raw.replace(b"F202500003", number.encode()).replace(b"100000009", seller)


def _push(client: TestClient, body: bytes, headers: dict[str, str] = XML) -> tuple[int, dict[str, object]]:
    response = client.post("/v1/admin/pa/lifecycle", content=body, headers=headers)
    return response.status_code, response.json()


def test_a_status_is_recorded_once_and_shown_on_the_invoice(client: TestClient, clock: FixedClock) -> None:
    number = _issue_one(client, clock)
    deposee = _example("01-CDV-200_Deposee.xml", number)
    assert _push(client, deposee) == (201, {"invoice": number, "code": "200", "recorded": True})
    assert _push(client, deposee) == (201, {"invoice": number, "code": "200", "recorded": False})
    invoice = get(client, f"/v1/invoices/{number}")
    # MDT-78 of the example: 20250701151000, Paris time in July (UTC+2).
    assert invoice["lifecycle"] == [{"code": "200", "label": "Déposée", "at": "2025-07-01T15:10:00+02:00", "reason": None}]


def test_the_official_lifecycle_of_uc1_is_recorded_in_order(client: TestClient, clock: FixedClock) -> None:
    number = _issue_one(client, clock)
    answers = [_push(client, _example(p.name, number)) for p in cdar_examples()]
    assert all(status == 201 for status, _ in answers)
    # The two forms for the PPF repeat the 200 and the 212 (same status, same moment): recorded once.
    assert sum(1 for _, body in answers if body["recorded"]) == 7
    lifecycle = get(client, f"/v1/invoices/{number}")["lifecycle"]
    assert [(e["code"], e["label"]) for e in lifecycle] == [
        ("200", "Déposée"), ("202", "Reçue"), ("203", "Mise à disposition"), ("204", "Prise en charge"),
        ("205", "Approuvée"), ("211", "Paiement transmis"), ("212", "Encaissée"),
    ]
    assert [e["code"] for e in get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]["lifecycle"]] == [
        "200", "202", "203", "204", "205", "211", "212",
    ]


def test_a_dispute_keeps_its_reason_codes(client: TestClient, clock: FixedClock) -> None:
    number = _issue_one(client, clock)
    xml = _example("05-CDV-205_Approuvee.xml", number).decode("utf-8-sig")
    xml = xml.replace("<ram:ProcessConditionCode>205<", "<ram:ProcessConditionCode>207<")
    xml = xml.replace("<ram:ProcessCondition>Approuvée<", "<ram:ProcessCondition>En_litige<")
    reason = ("<ram:SpecifiedDocumentStatus><ram:ReasonCode>TX_TVA_ERR</ram:ReasonCode>"
              "<ram:Reason>Taux de TVA\nerroné</ram:Reason><ram:SequenceNumeric>1</ram:SequenceNumeric>"
              "</ram:SpecifiedDocumentStatus>")
    xml = xml.replace("</ram:ReferenceReferencedDocument>", reason + "</ram:ReferenceReferencedDocument>")
    assert _push(client, xml.encode())[0] == 201
    (entry,) = get(client, f"/v1/invoices/{number}")["lifecycle"]
    assert (entry["code"], entry["label"]) == ("207", "En litige")
    assert entry["reason"] == [{"code": "TX_TVA_ERR", "text": "Taux de TVA erroné"}]  # on one line


def test_an_invoice_we_did_not_issue_is_a_404(client: TestClient, clock: FixedClock) -> None:
    number = _issue_one(client, clock)
    status, body = _push(client, _example("01-CDV-200_Deposee.xml"))  # F202500003: AFNOR's, not ours
    assert status == 404 and "F202500003" in str(body)
    assert get(client, f"/v1/invoices/{number}")["lifecycle"] == []
    # Our number, but another seller's invoice (MDT-129): not ours either.
    status, _ = _push(client, _example("01-CDV-200_Deposee.xml", number, seller=b"100000009"))
    assert status == 404 and get(client, f"/v1/invoices/{number}")["lifecycle"] == []


def test_what_is_not_a_cdar_message_is_a_422(client: TestClient, clock: FixedClock) -> None:
    _issue_one(client, clock)
    assert _push(client, b"<not xml")[0] == 422
    assert _push(client, b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')[0] == 422
    no_status = _example("05-CDV-205_Approuvee.xml").replace(b"<ram:ProcessConditionCode>205</ram:ProcessConditionCode>", b"")
    assert _push(client, no_status)[0] == 422  # schema-valid, but MDT-105 is missing


def test_only_xml_from_an_admin(client: TestClient, clock: FixedClock) -> None:
    number = _issue_one(client, clock)
    body = _example("01-CDV-200_Deposee.xml", number)
    assert _push(client, body, {**ADMIN, "Content-Type": "application/json"})[0] == 415
    assert client.post("/v1/admin/pa/lifecycle", content=body, headers={"Content-Type": "application/xml"}).status_code == 401
    customer = {**token(client, "customer", "acme"), "Content-Type": "application/xml"}
    assert client.post("/v1/admin/pa/lifecycle", content=body, headers=customer).status_code == 403
    assert get(client, f"/v1/invoices/{number}")["lifecycle"] == []
