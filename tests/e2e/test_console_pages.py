"""The finance console's account page, cases, rejected documents and health (issue 23), over HTTP on
both backends: an account's payments and each invoice's lifecycle (its status history, payments
included), receivables with interest, cases overdue first with their §8 dates, the documents whose PDF
was rejected with the reason, the projection's state, contract signals, and page sessions revoked one by
one or all of an account's.

acme's February 2026 invoice FX-2026-000001: plan 500 × 19/28 = 339.29 + installation 800.00 = HT
1139.29, VAT 227.86, TTC 1367.15, issued 2026-03-02, due 2026-04-01 (tests/e2e/test_portal_pages.py).
"""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, close_february, get, post
from support.factories import GRID_2026_A, contract, customer
from support.http_helpers import setup_customer
from test_portal_pages import csrf_of, form_token, sign_in

from billing.settings import Settings
from ledger.clock import FixedClock

SELLER_VAT = "FR94820015006"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """FLEXIO's VAT number (§1b) so the invoices' PDFs are stored."""
    return settings.model_copy(update={"seller_vat_number": SELLER_VAT})


def console(client: TestClient) -> str:
    """Sign in to the console with the admin token; the months page."""
    token = form_token(client, "/console/")
    response = client.post("/console/sign-in", data={"token": "test-admin-token", "form_token": token})
    assert response.status_code == 200, response.text
    return response.text


def dispute_mail(client: TestClient, clock: FixedClock, invoice: str, amount: str) -> dict[str, Any]:
    """A dispute mailed to compta@flexio.fr by acme's billing address, received now."""
    message = EmailMessage()
    message["From"] = "factures@acme.fr"
    message["To"] = "compta@flexio.fr"
    message["Subject"] = f"Contestation de la facture {invoice}"
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain="acme.fr")
    message.set_content(f"Bonjour,\n\nNous contestons la facture {invoice} pour un montant de {amount} EUR.\n\n"
                        "Faits :\nLe dépassement facturé ne correspond pas à notre usage.\n")
    response = client.post("/v1/admin/disputes/emails", content=bytes(message),
                           headers={**ADMIN, "Content-Type": "message/rfc822"})
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()
    deadline = time.monotonic() + 30  # the acknowledgment job (in-process worker) mails it at once
    while get(client, f"/v1/admin/disputes/{case['case']}")["acknowledged_at"] is None:
        assert time.monotonic() < deadline, "no acknowledgment"
        time.sleep(0.05)
    return case


def cells(page: str, row_id_text: str) -> list[str]:
    """The text of each cell of the first table row containing ``row_id_text``."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S):
        if row_id_text in row:
            return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
    raise AssertionError(f"no row with {row_id_text!r}")


def test_the_account_page_shows_payments_lifecycle_receivables_and_cases(
    client: TestClient, clock: FixedClock
) -> None:
    setup_customer(client)
    close_february(client, clock)  # FX-2026-000001, 2 March 2026
    # A valid dispute on Thursday 5 March (within the 20 days), rejected on 10 March.
    at(clock, "2026-03-05")
    first = dispute_mail(client, clock, "FX-2026-000001", "120.50")
    assert first["valid"] and get(client, "/v1/invoices/FX-2026-000001")["status"] == "disputed"
    at(clock, "2026-03-10")
    post(client, f"/v1/admin/disputes/{first['case']}/resolve", {"outcome": "rejected", "note": "usage exact"}, 200)
    # Recorded on 20 March, a transfer received on 8 March (before the dispute was cleared).
    at(clock, "2026-03-20")
    post(client, "/v1/admin/customers/acme/payments", {"invoice": "FX-2026-000001", "amount": "1000.00",
                                                       "received_on": "2026-03-08", "method": "transfer",
                                                       "reference": "VIR-ACME-1"})
    # Wednesday 25 March: out of the window (after 22 March), still to be answered by Wednesday 1 April.
    at(clock, "2026-03-25")
    late = dispute_mail(client, clock, "FX-2026-000001", "50.00")
    assert (late["valid"], late["answer_by"]) == (False, "2026-04-01")
    # Saturday 2 May: one more, answer due by the 7th day after receipt, 9 May (not overdue yet); the 25 March
    # one is overdue.
    at(clock, "2026-05-02")
    fresh = dispute_mail(client, clock, "FX-2026-000001", "10.00")

    console(client)
    page = client.get("/console/clients/acme")
    assert page.status_code == 200, page.text
    html = page.text
    # Payments: the 1000.00 transfer with its reference.
    assert cells(html, "VIR-ACME-1") == ["08/03/2026", "FX-2026-000001", "1\u202f000,00\u00a0€", "virement", "VIR-ACME-1"]
    # The invoice's row: 1000.00 paid of 1367.15, late (due 1 April), its PDF stored.
    assert cells(html, "<td>FX-2026-000001</td><td>2026-02") == [
        "FX-2026-000001", "2026-02", "01/04/2026", "1\u202f367,15\u00a0€", "1\u202f000,00\u00a0€", "émise", "en retard",
        "archivé"]
    # Receivables on 2 May: 1367.15 - 1000.00 = 367.15 due since 1 April, 31 days late (2 April to 2 May);
    # 12.15 % (2026-H1: max(2.15 + 10, 3 × 2.62)): 367.15 × 0.1215 × 31 / 365 = 3.7887… → 3.79; indemnity 40.00.
    assert cells(html, '<td class="num">367,15') == [
        "FX-2026-000001", "01/04/2026", "367,15\u00a0€", "31", "3,79\u00a0€", "40,00\u00a0€"]

    data = client.app.state.container.console.account_page("acme")  # type: ignore[attr-defined]
    [invoice] = data["invoices"]
    steps = [(s["on"], s["label"], s["status"]) for s in invoice["lifecycle"]]
    assert steps[0] == ("2026-03-02", "émise", "issued")
    # Then its PDF stored (dated when recorded) and mailed (on the close's day), in the order recorded.
    assert {step[1:] for step in steps[1:3]} == {("PDF Factur-X archivé", "issued"),
                                                ("envoyée à factures@acme.fr", "issued")}
    assert ("2026-03-02", "envoyée à factures@acme.fr", "issued") in steps[1:3]
    assert steps[3:] == [
        ("2026-03-05", "contestée", "disputed"),
        ("2026-03-08", "paiement reçu", None),  # placed by its date, before the 10 March step
        ("2026-03-10", "contestation levée", "issued"),
    ]
    assert "contestation levée" in html and "paiement reçu : 1\u202f000,00\u00a0€" in html
    # Cases: overdue first (the 25 March one, answer due 1 April), then the one waiting (due 9 May), then
    # the resolved one.
    assert [c["case"] for c in data["cases"]] == [late["case"], fresh["case"], first["case"]]
    cases = client.get("/console/dossiers").text
    order = [cases.index(f"{day}</td><td>contestation") for day in ("25/03/2026", "02/05/2026", "05/03/2026")]
    assert order == sorted(order)
    overdue = cells(cases, "25/03/2026")
    assert overdue[6].startswith("26/03/2026") and overdue[6].endswith("(fait)")  # acknowledged in time
    assert overdue[7] == "01/04/2026 dépassé"
    assert cells(cases, "02/05/2026")[7] == "09/05/2026"

    # An overpayment: 367.15 settles the invoice, 400.00 - 367.15 = 32.85 stays as credit not applied.
    post(client, "/v1/admin/customers/acme/payments", {"invoice": "FX-2026-000001", "amount": "400.00",
                                                       "received_on": "2026-05-02", "method": "transfer",
                                                       "reference": "VIR-ACME-2"})
    html = client.get("/console/clients/acme").text
    assert cells(html, "non affecté") == ["02/05/2026", "non affecté (FX-2026-000001)", "32,85\u00a0€", "virement",
                                          "VIR-ACME-2"]
    assert cells(html, "<td>FX-2026-000001</td><td>2026-02")[6] == "payée"
    assert "Rien à recouvrer." in html
    assert "paiement reçu : 367,15\u00a0€" in html  # what the invoice took of the 400.00
    # The fact history shows the mandate by its reference, never its IBAN (a value object, not its repr).
    contract_row = next(e for e in data["history"] if e["event"] == "ContractSigned")
    assert contract_row["facts"]["mandate"] == {"reference": "RUM-ACME-001"}
    assert client.get("/console/clients/nobody").status_code == 404


def test_rejected_documents_are_listed_with_their_reason(client: TestClient, settings: Settings, clock: FixedClock) -> None:
    """FLEXIO's VAT number unset: EN 16931 BR-S-02 rejects every standard-rated invoice (its PDF is
    not stored); finance finds them on one page, each with the rule it failed, and on the account's page."""
    client.app.state.container.settings.seller_vat_number = ""  # type: ignore[attr-defined]
    setup_customer(client)
    setup_customer(client, "globex")
    at(clock, "2026-03-02")
    console(client)
    # The preview already names the rule each draft would fail (issue 11 §3).
    preview = client.get("/console/mois/2026-02?issue_date=2026-03-02").text
    errors = preview[preview.index("Erreurs de documents"):preview.index("Factures qui seraient émises")]
    assert "acme : BR-S-02" in errors and "globex : BR-S-02" in errors
    close_february(client, clock)
    page = client.get("/console/documents")
    assert page.status_code == 200
    # Two invoices, acme's then globex's (account order); newest number first.
    assert "2 document(s) émis sans PDF archivé" in page.text
    assert page.text.index("FX-2026-000002") < page.text.index("FX-2026-000001")
    row = cells(page.text, "FX-2026-000001")
    assert row[:4] == ["FX-2026-000001", "facture", "acme ACME SAS", "02/03/2026"] and "BR-S-02" in row[4]
    assert "Page suivante" not in page.text
    assert client.get("/console/documents?page=0").status_code == 422
    account = client.get("/console/clients/acme").text
    assert 'id="rejets"' in account and "BR-S-02" in account
    assert cells(account, "<td>FX-2026-000001</td><td>2026-02")[7] == "rejeté"
    assert cells(account, "document rejeté (")[1:] == ["document rejeté (BR-S-02)", "émise"]  # its lifecycle
    globex = client.get("/console/clients/globex").text
    assert "FX-2026-000001" not in globex  # another account's rejection is not shown there
    # The customer sees the invoice without a link to a PDF that does not exist.
    home = sign_in(client, settings)
    assert cells(home, "FX-2026-000001")[-1] == "en préparation"
    assert 'href="/portal/factures/FX-2026-000001.pdf"' not in home
    # Signed out, the list is not shown.
    client.post("/console/sign-out", data={"csrf": csrf_of(account)})
    assert client.get("/console/documents", follow_redirects=False).status_code == 303


def test_health_shows_the_projection_signals_and_sessions_which_finance_revokes(
    client: TestClient, settings: Settings, clock: FixedClock
) -> None:
    setup_customer(client)
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("gratis"))
    post(client, "/v1/admin/customers/gratis/contract", contract(
        "2026-02-01", plan="START", freemium=True, installation_fee="0.00", payment_method="transfer", mandate=None))
    at(clock, "2026-03-02")
    portal_home = sign_in(client, settings)  # acme's portal session (cookie path /portal)
    console(client)
    health = client.get("/console/sante").text
    status = get(client, "/v1/admin/projection")
    assert f"position {status['position']} = tête du registre {status['head']}" in health
    # gratis, freemium, no usage since its start on 1 February: idle 1 February to 1 March = 29 days (≥ 15);
    # a notice sent today (2 March) allows the termination 7 days later, on 9 March.
    assert cells(health, "freemium inactif")[:3] == ["gratis", "freemium inactif", "01/02/2026"]
    assert "à partir du 09/03/2026" in cells(health, "freemium inactif")[4]
    # Two open sessions: acme's portal one and this console one; revoke acme's.
    rows = re.findall(r'action="/console/sessions/([\w-]+)/revoquer"', health)
    assert len(rows) == 2
    acme = cells(health, ">acme</a>")
    assert acme[0] == "client" and acme[1] == "acme"
    acme_id = re.search(r'href="/console/clients/acme">acme</a></td>.*?action="/console/sessions/([\w-]+)/revoquer"',
                        health, re.S)
    assert acme_id
    assert client.post(f"/console/sessions/{acme_id.group(1)}/revoquer", data={}).status_code == 403  # CSRF
    response = client.post(f"/console/sessions/{acme_id.group(1)}/revoquer", data={"csrf": csrf_of(health)},
                           follow_redirects=False)
    assert response.status_code == 303
    assert "Connexion à l'espace client" in client.get("/portal/").text  # signed out at its next request
    assert client.get("/portal/factures/FX-2026-000001.pdf").status_code == 401
    assert ">acme</a>" not in client.get("/console/sante").text  # only open sessions are listed
    assert csrf_of(portal_home)
    # Signed in again (twice, e.g. two browsers), then all of acme's sessions revoked from its page.
    sign_in(client, settings)
    account = client.get("/console/clients/acme").text
    assert "Espace client : 1 session(s) ouverte(s)" in account
    response = client.post("/console/clients/acme/sessions/revoquer", data={"csrf": csrf_of(account)})
    assert response.status_code == 200 and "1 session(s) du portail révoquée(s)" in response.text
    assert "Connexion à l'espace client" in client.get("/portal/").text
    assert client.post("/console/clients/acme/sessions/revoquer", data={}).status_code == 403
    assert client.get("/console/sante").status_code == 200  # the console's own session is untouched


def test_a_credit_note_is_listed_and_downloaded_on_the_portal(client: TestClient, settings: Settings,
                                                              clock: FixedClock) -> None:
    setup_customer(client)
    close_february(client, clock)
    at(clock, "2026-03-10")
    # 33.33 HT taken back from FX-2026-000001 at 20 %: VAT 6.67, TTC -40.00.
    post(client, "/v1/admin/invoices/FX-2026-000001/credit-notes", {"amount_ht": "33.33", "reason": "geste"})
    deadline = time.monotonic() + 60
    while get(client, "/v1/admin/invoices/AV-2026-000001/document").get("status") != "stored":
        assert time.monotonic() < deadline, "the credit note's PDF was not stored"
        time.sleep(0.1)
    home = sign_in(client, settings)
    assert cells(home, "AV-2026-000001")[4:7] == ["-40,00\u00a0€", "avoir de FX-2026-000001", ""]
    pdf = client.get("/portal/factures/AV-2026-000001.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_failed_month_offers_to_resume_and_the_sign_in_forms_need_their_token(client: TestClient) -> None:
    from billing.services.page_sessions import PageSession
    from billing.web.common import templates

    session = PageSession("s", "admin", None, "c" * 64)
    row = templates.get_template("console/month_row.html").render(session=session, m={
        "month": "2026-02", "status": "failed", "error": "the worker died", "invoices": 1, "total_ht": "1.00",
        "total_ttc": "1.20"})
    assert ">Reprendre</button>" in row and "the worker died" in row and 'name="issue_date"' not in row
    assert 'action="/console/mois/2026-02/cloture"' in row and f'value="{session.csrf}"' in row
    # The forms posted before a session exists carry the page's form token (double-submit).
    assert client.post("/console/sign-in", data={"token": "test-admin-token"}).status_code == 403
    assert client.post("/portal/connexion", data={"jeton": "x"}).status_code == 403


def test_the_portal_lists_five_years_of_invoices(client: TestClient, settings: Settings, clock: FixedClock) -> None:
    """Art. 10.2: issued 2 March 2026, FX-2026-000001 is listed up to 2 March 2031 inclusive, not after."""
    setup_customer(client)
    close_february(client, clock)
    at(clock, "2031-03-02")
    assert "FX-2026-000001.pdf" in sign_in(client, settings)
    assert client.get("/portal/factures/FX-2026-000001.pdf").status_code == 200
    at(clock, "2031-03-03")
    home = sign_in(client, settings)  # the session of yesterday noon has expired (8 hours)
    assert "FX-2026-000001" not in home and "Aucune facture pour l'instant." in home
