"""Disputes over HTTP (API.md "Disputes", BILLING_RULES §8), on SQLite and PostgreSQL.

The world: acme (billing email factures@acme.fr) on PRO from 2026-02-10 with 35,000 credits in
February; the close on 2026-03-02 issues FX-2026-000001: HT 339.29 + 40.00 + 800.00 = 1179.29,
TTC 1415.15 (BILLING_RULES §10), dispute window to 2026-03-22 (issue + 20 days).
"""

from __future__ import annotations

import email
import email.policy
import time
from pathlib import Path

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, close_february, get, post
from support.factories import GRID_2026_A, contract, customer, usage_events

from ledger.clock import FixedClock

CORPUS = Path(__file__).parents[1] / "data" / "mail"
RFC822 = {**ADMIN, "Content-Type": "message/rfc822"}


def february_invoice(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    response = client.post("/v1/usage", json={"events": usage_events("acme", 5000, credits=7)}, headers=ADMIN)
    assert response.status_code in (200, 201, 202), response.text
    close_february(client, clock)
    assert get(client, "/v1/invoices/FX-2026-000001")["total_ttc"] == "1415.15"


def acknowledged(client: TestClient, key: object, timeout: float = 30) -> dict[str, object]:
    """Wait for the acknowledgment job (in-process worker) to acknowledge the case."""
    deadline = time.monotonic() + timeout
    while True:
        case: dict[str, object] = get(client, f"/v1/admin/disputes/{key}")
        if case["acknowledged_at"] is not None:
            return case
        assert time.monotonic() < deadline, "no acknowledgment"
        time.sleep(0.05)


def send(client: TestClient, name: str, status: int = 201) -> dict[str, object]:
    response = client.post("/v1/admin/disputes/emails", content=(CORPUS / f"{name}.eml").read_bytes(), headers=RFC822)
    assert response.status_code == status, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_valid_dispute_holds_the_invoice_until_rejected(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    at(clock, "2026-03-10", hour=11)
    case = send(client, "01-fr-plain-valid")
    # compta@acme.fr matches acme by its billing domain; received Tue 10 March 10:12:45 (in the window):
    # acknowledge by Wed 11, answer by 10 + 7 = 17 March; disputed 40.00 of the overage line.
    assert {k: case[k] for k in ("kind", "invoice", "amount", "received_at", "valid", "reasons", "acknowledge_by",
                                 "answer_by", "account", "status")} == {
        "kind": "dispute", "invoice": "FX-2026-000001", "amount": "40.00",
        "received_at": "2026-03-10T10:12:45+01:00", "valid": True, "reasons": [],
        "acknowledge_by": "2026-03-11", "answer_by": "2026-03-17", "account": "acme", "status": "open",
    }
    assert get(client, "/v1/invoices/FX-2026-000001")["status"] == "disputed"
    again = send(client, "01-fr-plain-valid")
    assert again["case"] == case["case"]
    # The acknowledgment job wrote the mail to var/outbox (no SMTP configured) and recorded it.
    acked = acknowledged(client, case["case"])
    assert (acked["status"], acked["acknowledged_at"]) == ("acknowledged", "2026-03-10T11:00:00+01:00")
    outbox = Path(client.app.state.container.settings.storage_dir).parent / "outbox"  # type: ignore[attr-defined]
    mail = email.message_from_bytes((outbox / f"ack-{case['case']}.eml").read_bytes(), policy=email.policy.default)
    assert (mail["To"], mail["Auto-Submitted"]) == ("compta@acme.fr", "auto-replied")
    assert mail["Subject"] == f"Accusé de réception de votre contestation [{case['case']}]"
    body = mail.get_body().get_content()  # type: ignore[union-attr]
    assert "facture FX-2026-000001, reçue le 10/03/2026 à 10:12" in body
    assert "au plus tard le 17/03/2026" in body  # French; answer by 10 + 7 = 17 March
    listed = get(client, "/v1/admin/disputes?status=acknowledged")["cases"]
    assert [c["case"] for c in listed] == [case["case"]]
    # The customer answers our acknowledgment: its own record, threaded under the case.
    assert mail["Message-ID"] == f"<ack-{case['case']}@flexio.fr>"
    reply = (
        "From: compta@acme.fr\r\nTo: compta@flexio.fr\r\nSubject: Re: " + str(mail["Subject"]) + "\r\n"
        "Message-ID: <reply-to-ack@acme.fr>\r\nIn-Reply-To: " + str(mail["Message-ID"]) + "\r\n"
        "Date: Wed, 11 Mar 2026 09:00:00 +0100\r\n\r\nMerci, nous attendons votre retour.\r\n"
    ).encode()
    response = client.post("/v1/admin/disputes/emails", content=reply, headers=RFC822)
    assert response.status_code == 201, response.text
    assert (response.json()["kind"], response.json()["reply_to"]) == ("other", case["case"])
    detail = get(client, f"/v1/admin/disputes/{case['case']}")
    assert "26 000 crédits" in detail["mail"]["text"]
    original = client.get(f"/v1/admin/disputes/{case['case']}/message", headers=ADMIN)
    assert (original.status_code, original.headers["content-type"]) == (200, "message/rfc822")
    assert original.content == (CORPUS / "01-fr-plain-valid.eml").read_bytes()

    resolved = post(client, f"/v1/admin/disputes/{case['case']}/resolve", {"outcome": "rejected", "note": "usage checked"}, 200)
    assert resolved["status"] == "resolved"
    assert resolved["resolution"] == {"outcome": "rejected", "amount_ht": None, "note": "usage checked"}
    assert get(client, "/v1/invoices/FX-2026-000001")["status"] == "issued"
    assert get(client, "/v1/admin/disputes?status=acknowledged")["cases"] == []
    threaded = get(client, "/v1/admin/disputes?kind=other")["cases"]
    assert [c["reply_to"] for c in threaded] == [case["case"]]
    assert post(client, f"/v1/admin/disputes/{case['case']}/resolve", {"outcome": "rejected"}, 409)


def test_accepting_a_dispute_issues_its_credit_note_and_releases_the_invoice(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    case = send(client, "07-fr-reply-with-quoted-history")
    assert (case["valid"], case["amount"]) == (True, "40.00")  # the quoted 1 415,15 € is history, not the claim
    key = case["case"]
    # accepted without an amount, or above the invoice's HT (1179.29): refused, nothing written
    refused = post(client, f"/v1/admin/disputes/{key}/resolve", {"outcome": "accepted"}, 422)
    assert refused["error"]["details"]["field"] == "amount_ht"
    post(client, f"/v1/admin/disputes/{key}/resolve", {"outcome": "accepted", "amount_ht": "1179.30"}, 422)
    post(client, f"/v1/admin/disputes/{key}/resolve", {"outcome": "accepted", "amount_ht": "-5"}, 422)
    assert get(client, f"/v1/admin/disputes/{key}")["resolution"] is None
    post(client, f"/v1/admin/disputes/{key}/answer", {"note": ""}, 422)
    at(clock, "2026-03-20", hour=15)  # answered on day 4 of 7 (received 16 March: answer by 23 March)
    answered = post(client, f"/v1/admin/disputes/{key}/answer", {"note": "we accept 33.33 HT"}, 200)
    assert (answered["status"], answered["answered_on"], answered["answer_by"]) == ("answered", "2026-03-20", "2026-03-23")
    done = post(client, f"/v1/admin/disputes/{key}/resolve",
                {"outcome": "accepted", "amount_ht": "33.33", "note": "cap raised by the amendment"}, 200)
    # 40.00 TTC-looking claim, finance credits 33.33 HT (33.33 x 1.20 = 40.00 TTC)
    assert done["resolution"] == {"outcome": "accepted", "amount_ht": "33.33",
                                  "note": "cap raised by the amendment (avoir AV-2026-000001)"}
    # The accepted dispute ends in a credit note saved with the resolution (§7, §8): 33.33 HT, VAT
    # 33.33 x 20 % = 6.666 -> 6.67, TTC 40.00, amounts negative. 33.33 of 1179.29 HT is not all of it,
    # so the invoice is accepted (released from the hold, collected net of the credit note), not credited.
    credit_notes = get(client, "/v1/customers/acme/invoices")["credit_notes"]
    assert [(c["number"], c["corrects"], c["total_ht"], c["total_vat"], c["total_ttc"]) for c in credit_notes] == [
        ("AV-2026-000001", "FX-2026-000001", "-33.33", "-6.67", "-40.00")]
    assert credit_notes[0]["reason"] == "cap raised by the amendment"
    assert get(client, "/v1/invoices/FX-2026-000001")["status"] == "accepted"
    assert post(client, f"/v1/admin/disputes/{key}/resolve", {"outcome": "accepted", "amount_ht": "1.00"}, 409)
    assert len(get(client, "/v1/customers/acme/invoices")["credit_notes"]) == 1  # nothing issued twice


def test_accepting_a_dispute_for_the_whole_invoice_credits_it(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    key = send(client, "07-fr-reply-with-quoted-history")["case"]
    done = post(client, f"/v1/admin/disputes/{key}/resolve", {"outcome": "accepted", "amount_ht": "1179.29"}, 200)
    # The whole 1179.29 HT: the credit note takes back all the VAT left (235.86), TTC 1415.15: credited.
    assert done["resolution"]["note"] == "(avoir AV-2026-000001)"
    credit = get(client, "/v1/customers/acme/invoices")["credit_notes"][0]
    assert (credit["total_ht"], credit["total_vat"], credit["total_ttc"]) == ("-1179.29", "-235.86", "-1415.15")
    assert credit["reason"] == f"Contestation acceptée (dossier {key})"
    assert get(client, "/v1/invoices/FX-2026-000001")["status"] == "credited"


def test_late_and_other_messages_are_kept_and_bad_requests_write_nothing(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    late = send(client, "20-fr-late")
    assert (late["valid"], late["reasons"]) == (False, ["out_of_window"])  # received 25 March > 22 March
    # Received Wed 25 March: acknowledge by Thu 26, answer by 1 April. The acknowledgment job sends at once;
    # on 2 April without an answer, the answer is overdue.
    acknowledged(client, late["case"])
    at(clock, "2026-04-02")
    assert get(client, f"/v1/admin/disputes/{late['case']}")["overdue"] == ["answer"]
    assert get(client, "/v1/invoices/FX-2026-000001")["status"] == "issued"
    ooo = send(client, "50-fr-out-of-office")
    assert (ooo["kind"], ooo["status"]) == ("other", "filed")
    assert post(client, f"/v1/admin/disputes/{ooo['case']}/resolve", {"outcome": "rejected"}, 409)
    before = get(client, "/v1/admin/disputes")["cases"]
    assert len(before) == 2

    bad = [
        client.post("/v1/admin/disputes/emails", json={"raw": "x"}, headers=ADMIN),  # not message/rfc822
        client.post("/v1/admin/disputes/emails", content=b"  \r\n", headers=RFC822),  # empty
        client.post("/v1/admin/disputes/emails", content=b"x" * (25 * 1024 * 1024 + 1), headers=RFC822),  # too large
        client.post("/v1/admin/disputes/emails", content=b"From: a@b.fr\r\n\r\nx", headers={"Content-Type": "message/rfc822"}),
        client.get("/v1/admin/disputes?status=bogus", headers=ADMIN),
        client.get("/v1/admin/disputes/not-a-case", headers=ADMIN),
        client.get("/v1/admin/disputes/00000000-0000-0000-0000-000000000000", headers=ADMIN),
        client.post(f"/v1/admin/disputes/{late['case']}/resolve", json={"outcome": "maybe"}, headers=ADMIN),
        client.post(f"/v1/admin/disputes/{late['case']}/resolve", json={"outcome": "rejected", "amount_ht": "10.00"},
                    headers=ADMIN),
        client.post(f"/v1/admin/disputes/{late['case']}/resolve", json={"outcome": "rejected", "x": 1}, headers=ADMIN),
    ]
    assert [r.status_code for r in bad] == [415, 422, 413, 401, 422, 404, 404, 422, 422, 422]
    for response in bad:
        assert set(response.json()["error"]) == {"code", "message", "details"}
    assert get(client, "/v1/admin/disputes")["cases"] == before


def test_a_termination_email_becomes_a_request_finance_confirms(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    at(clock, "2026-04-01", hour=10)
    request = send(client, "40-fr-termination-end-of-period")
    assert (request["kind"], request["termination_kind"], request["account"], request["valid"]) == (
        "termination", "end_of_period", "acme", True)
    stranger = send(client, "43-fr-termination-unknown-sender")
    assert (stranger["account"], stranger["reasons"]) == (None, ["unknown_sender"])
    assert post(client, f"/v1/admin/disputes/{stranger['case']}/confirm-termination", {}, 409)
    post(client, f"/v1/admin/disputes/{request['case']}/confirm-termination", {"kind": "sideways"}, 422)
    assert get(client, "/v1/admin/customers/acme")["termination"] is None  # nothing written by the refusals

    done = post(client, f"/v1/admin/disputes/{request['case']}/confirm-termination", {}, 200)
    # Notified by email on 2026-04-01; initial term 2026-02-10 -> 2026-05-09 (3 months, art. 9.3); the notice is
    # more than one month before 9 May, so the contract ends on 2026-05-09, not early, no indemnity.
    assert done["termination"] == {"effective_end": "2026-05-09", "early": False, "indemnity": "0.00",
                                   "kind": "end_of_period", "initiated_by": "customer", "reason": "notice"}
    assert (done["status"], done["resolution"]["outcome"]) == ("resolved", "accepted")
    assert get(client, "/v1/admin/customers/acme")["termination"] == {"effective_end": "2026-05-09", "early": False}
    assert post(client, f"/v1/admin/disputes/{request['case']}/confirm-termination", {}, 409)


def test_a_reference_opt_out_request_becomes_the_option_finance_accepts(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    at(clock, "2026-05-05", hour=11)
    request = send(client, "70-fr-reference-opt-out-to-privacy")
    assert (request["kind"], request["request"], request["status"], request["account"]) == (
        "other", "reference_opt_out", "open", "acme")
    late = send(client, "01-fr-plain-valid")  # a dispute: not an option request
    assert post(client, f"/v1/admin/disputes/{late['case']}/accept-option", {}, 409)
    done = post(client, f"/v1/admin/disputes/{request['case']}/accept-option", {}, 200)
    assert done["resolution"]["note"] == "option reference_opt_out accepted from 2026-05-05 (art. 17.1)"
    options = get(client, "/v1/admin/customers/acme")["options"]
    assert [(o["option"], o["accepted_on"]) for o in options] == [("reference_opt_out", "2026-05-05")]
    assert post(client, f"/v1/admin/disputes/{request['case']}/accept-option", {}, 409)


def test_a_termination_after_an_interruption_ends_at_once_without_indemnity(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("initech"))
    post(client, "/v1/admin/customers/initech/contract", contract("2026-02-10"))
    at(clock, "2026-04-03", hour=12)
    request = send(client, "42-fr-termination-after-interruption")
    assert (request["termination_kind"], request["account"]) == ("interruption", "initech")
    done = post(client, f"/v1/admin/disputes/{request['case']}/confirm-termination", {}, 200)
    # §9: early, by common agreement after 30 days of interruption attributable to FLEXIO: no indemnity.
    # Received 2026-04-03, no requested end: the contract ends that day, before the end of its initial
    # term (2026-02-10 + 3 months -> 2026-05-09), so it is early; a customer's early notice would owe
    # the fees up to 2026-05-09, this kind owes 0.00.
    assert done["termination"] == {"effective_end": "2026-04-03", "early": True, "indemnity": "0.00",
                                   "kind": "interruption", "initiated_by": "customer", "reason": "interruption"}


def test_the_list_shows_the_case_s_own_times_and_open_includes_acknowledged(client: TestClient, clock: FixedClock) -> None:
    """Issue 18 item 5: the list read from the read model gives the same instants as the case itself
    (10:12:45+01:00 stays 10:12:45+01:00, on SQLite as on PostgreSQL), and ``?status=open`` keeps a
    case that is acknowledged but not yet resolved."""
    february_invoice(client, clock)
    at(clock, "2026-03-10", hour=11)
    case = send(client, "01-fr-plain-valid")
    acked = acknowledged(client, case["case"])
    single = get(client, f"/v1/admin/disputes/{case['case']}")
    assert (single["received_at"], single["acknowledged_at"]) == ("2026-03-10T10:12:45+01:00", "2026-03-10T11:00:00+01:00")
    [listed] = [c for c in get(client, "/v1/admin/disputes")["cases"] if c["case"] == case["case"]]
    assert (listed["received_at"], listed["acknowledged_at"]) == (single["received_at"], acked["acknowledged_at"])
    open_cases = get(client, "/v1/admin/disputes?status=open")["cases"]
    assert [(c["case"], c["status"]) for c in open_cases] == [(case["case"], "acknowledged")]
    post(client, f"/v1/admin/disputes/{case['case']}/resolve", {"outcome": "rejected", "note": "usage checked"}, 200)
    assert get(client, "/v1/admin/disputes?status=open")["cases"] == []
