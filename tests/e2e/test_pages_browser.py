"""The portal and the console in a real browser (issue 23): Playwright for Python driving Debian's
Chromium against a real uvicorn server on 127.0.0.1 (SQLite), started by the test on a free port.

Finance signs in with the admin token, closes February 2026 with an issue date and watches the row
(polled by htmx every second) reach « clôturé »; the customer signs in through the link found in the
outbox, downloads a PDF and the archive, files a dispute and sees its case. axe-core 4.14.1 (npm,
vendored in tests/data/axe with its MPL-2.0 licence) runs on every page: no serious or critical
violation. Each page's screenshot is taken (docs/pages-*.png with PAGES_SCREENSHOTS=docs).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from support.factories import GRID_2026_A, contract, customer

from billing.api.app import create_app
from billing.bootstrap import bootstrap
from billing.settings import Settings
from ledger.clock import PARIS, FixedClock

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parents[1] / "data" / "axe" / "axe-4.14.1.min.js"
# Screenshots go to docs/ when asked (`PAGES_SCREENSHOTS=docs pytest tests/e2e/test_pages_browser.py`),
# otherwise to a temporary directory, so `make test` leaves the tree as it was.
SHOTS = os.environ.get("PAGES_SCREENSHOTS")
ADMIN_TOKEN = "browser-admin-token"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing (scripts/ensure-chromium)")


class AccessLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextlib.contextmanager
def serving(tmp_path: Path, seller_vat_number: str) -> Iterator[tuple[str, Settings, FixedClock, AccessLog]]:
    """uvicorn serving the app on a free port of 127.0.0.1, on SQLite, from noon on 12 February 2026."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/billing.db", admin_token=ADMIN_TOKEN,
                        storage_dir=tmp_path / "documents", seller_vat_number=seller_vat_number)
    clock = FixedClock(datetime(2026, 2, 12, 12, 0, tzinfo=PARIS))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(lambda: bootstrap(settings, clock, migrate=True))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", lifespan="on")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    access = AccessLog()
    logging.getLogger("uvicorn.access").addHandler(access)
    try:
        yield f"http://127.0.0.1:{port}", settings, clock, access
    finally:
        logging.getLogger("uvicorn.access").removeHandler(access)
        uvicorn_server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings, FixedClock, AccessLog]]:
    with serving(tmp_path, "FR94820015006") as served:
        yield served


@pytest.fixture
def server_without_vat(tmp_path: Path) -> Iterator[tuple[str, Settings, FixedClock, AccessLog]]:
    """FLEXIO's VAT number unset: every standard-rated invoice fails EN 16931 BR-S-02 and is rejected."""
    with serving(tmp_path, "") as served:
        yield served


def seed(base: str, clock: FixedClock) -> None:
    """The grid, three customers signed on 10 February 2026 and a little March usage for acme."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as api:
        assert api.post("/v1/admin/price-grids", json=GRID_2026_A).status_code in (200, 201)
        for account in ("acme", "globex", "initech"):
            assert api.post("/v1/admin/customers", json=customer(account)).status_code == 201
            assert api.post(f"/v1/admin/customers/{account}/contract", json=contract()).status_code == 201
        clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=PARIS))
        events = [{"id": f"m-{n}", "account": "acme", "at": at, "credits": credits}
                  for n, (at, credits) in enumerate([("2026-03-01T10:00:00+01:00", 900),
                                                     ("2026-03-02T09:00:00+01:00", 1400)])]
        assert api.post("/v1/usage", json={"events": events}).status_code == 200


def axe_check(page: Any, name: str, axe_source: str) -> None:
    page.evaluate(axe_source)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    assert found == [], f"{name}: {found}"


def fits(page: Any, name: str) -> None:
    """Readable at the viewport's width: the page itself never scrolls sideways (a wide table scrolls
    inside its own region)."""
    wide, viewport = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= viewport, f"{name}: {wide} px wide in a {viewport} px viewport"


def shoot(page: Any, name: str) -> None:
    folder = Path(SHOTS) if SHOTS else Path(tempfile.gettempdir()) / "flexio-pages-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"pages-{name}.png"), full_page=True)


def outbox_link(settings: Settings) -> str:
    outbox = Path(settings.storage_dir).parent / "outbox"
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = message.get_body(("plain",))
        if "connexion" in str(message["Subject"]) and body is not None:
            found = re.search(r"https?://\S+/portal/connexion\?jeton=[\w-]+", body.get_content())
            if found:
                return found.group(0)
    raise AssertionError("no sign-in link in the outbox")


def test_finance_closes_a_month_and_the_customer_uses_the_portal(
    server: tuple[str, Settings, FixedClock, AccessLog], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, settings, clock, access = server
    seed(base, clock)
    axe_source = AXE.read_text(encoding="utf-8")
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(accept_downloads=True, bypass_csp=True, locale="fr-FR",
                                          viewport={"width": 1100, "height": 800})
            page = context.new_page()
            page.set_default_timeout(30_000)

            # -- finance: sign in, close February 2026 on 2 March, watch it finish ------------------
            page.goto(f"{base}/console/")
            axe_check(page, "console sign-in", axe_source)
            shoot(page, "console-sign-in")
            page.get_by_label("Jeton d'administration").fill(ADMIN_TOKEN)
            page.get_by_role("button", name="Se connecter").click()
            row = page.locator("#mois-2026-02")
            expect(row).to_contain_text("ouvert")
            axe_check(page, "console months", axe_source)
            page.goto(f"{base}/console/mois/2026-02")
            expect(page.get_by_role("heading", name=re.compile("Aperçu de 2026-02"))).to_be_visible()
            axe_check(page, "console preview", axe_source)
            shoot(page, "console-preview")
            page.goto(f"{base}/console/")
            row.get_by_label("Date d'émission").fill("2026-03-02")
            row.get_by_role("button", name="Clôturer").click()
            expect(page.locator("#mois-2026-02")).to_contain_text("clôturé", timeout=60_000)
            # Three invoices, each February 2026 from the 10th: plan 500 × 19/28 = 339.29 + installation
            # 800.00 = 1139.29 HT; 3 × 1139.29 = 3417.87 HT.
            expect(page.locator("#mois-2026-02")).to_contain_text("3\u202f417,87")
            shoot(page, "console-months")
            pay(base, "acme", "FX-2026-000001", "1000.00", "VIR-ACME-0001")
            for path, name in (("/console/clients?q=acme", "customers"), ("/console/clients/acme", "customer"),
                               ("/console/creances", "receivables"), ("/console/dossiers", "cases"),
                               ("/console/sante", "health")):
                page.goto(base + path)
                axe_check(page, f"console {name}", axe_source)
                if name != "cases":  # shot with cases in it by the test below
                    shoot(page, f"console-{name}")
            wait_for_documents(base)

            # -- the customer: link from the outbox, PDF, archive, dispute --------------------------
            portal = browser.new_context(accept_downloads=True, bypass_csp=True, locale="fr-FR",
                                         viewport={"width": 390, "height": 844})  # a phone's width
            page = portal.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{base}/portal/")
            axe_check(page, "portal sign-in", axe_source)
            fits(page, "portal sign-in")
            shoot(page, "portal-sign-in")
            page.get_by_label("Adresse e-mail de facturation").fill("factures@acme.fr")
            page.get_by_role("button", name="Recevoir le lien").click()
            expect(page.get_by_role("status")).to_contain_text("lien de connexion")
            link = outbox_link(settings)
            page.goto(link)
            axe_check(page, "portal link", axe_source)
            page.get_by_role("button", name="Ouvrir mon espace").click()
            expect(page.get_by_role("heading", name=re.compile("ACME SAS"))).to_be_visible()
            assert page.url == f"{base}/portal/"  # no token in the URL after sign-in
            cookie = next(c for c in portal.cookies() if c["name"] == "flexio_portal")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            axe_check(page, "portal home", axe_source)
            fits(page, "portal home")
            shoot(page, "portal-home")

            with page.expect_download() as pdf_download:
                page.get_by_role("link", name="FX-2026-000001.pdf").click()
            pdf = tmp_path / "invoice.pdf"
            pdf_download.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF")
            page.get_by_label("Émises du mois", exact=True).fill("2026-03")  # issued on 2 March 2026
            page.get_by_label("au mois", exact=True).fill("2026-03")
            with page.expect_download() as zip_download:
                page.get_by_role("button", name="Télécharger l'archive (zip)").click()
            archive = tmp_path / "archive.zip"
            zip_download.value.save_as(archive)
            with zipfile.ZipFile(archive) as opened:
                assert "FX-2026-000001.pdf" in " ".join(opened.namelist())

            page.get_by_label("Facture", exact=True).select_option("FX-2026-000001")
            page.get_by_label("Montant contesté (€ HT)").fill("120,50")
            page.get_by_label("Faits").fill("Le dépassement facturé ne correspond pas à notre usage du mois.")
            page.get_by_role("button", name="Envoyer la contestation").click()
            expect(page.get_by_role("status")).to_contain_text("contestation est enregistrée")
            cases = page.locator("#dossiers + div table")
            expect(cases).to_contain_text("FX-2026-000001")
            expect(cases).to_contain_text("120,50")
            expect(cases).to_contain_text("03/03/2026")  # §8: acknowledged by the next business day
            axe_check(page, "portal home with a case", axe_source)
            fits(page, "portal home with a case")
            shoot(page, "portal-dispute")

            page.get_by_role("button", name="Se déconnecter").click()
            expect(page.get_by_role("heading", name="Connexion à l'espace client")).to_be_visible()
        finally:
            browser.close()
    elapsed = time.monotonic() - started
    assert elapsed < 110, f"the browser test took {elapsed:.0f} s"
    secret = link.split("jeton=")[1]
    assert access.lines and not any(secret in line for line in access.lines)  # never logged
    assert any("jeton=[redacted]" in line for line in access.lines)


def pay(base: str, account: str, invoice: str, amount: str, reference: str) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
        response = api.post(f"/v1/admin/customers/{account}/payments", json={
            "invoice": invoice, "amount": amount, "received_on": "2026-03-02", "method": "transfer",
            "reference": reference})
        assert response.status_code == 201, response.text


def mail_dispute(base: str, clock: FixedClock, sender: str, invoice: str, amount: str) -> dict[str, Any]:
    """A dispute mailed to compta@flexio.fr, received at the clock's now (API: POST /v1/admin/disputes/emails)."""
    message = EmailMessage()
    message["From"], message["To"] = sender, "compta@flexio.fr"
    message["Subject"] = f"Contestation de la facture {invoice}"
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain="example.fr")
    message.set_content(f"Nous contestons la facture {invoice} pour un montant de {amount} EUR.\n\n"
                        "Faits : le dépassement facturé ne correspond pas à notre usage.\n")
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "message/rfc822"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
        response = api.post("/v1/admin/disputes/emails", content=bytes(message))
        assert response.status_code == 201, response.text
        case: dict[str, Any] = response.json()
        deadline = time.monotonic() + 30  # acknowledged by the in-process job at once
        while api.get(f"/v1/admin/disputes/{case['case']}").json()["acknowledged_at"] is None:
            assert time.monotonic() < deadline, "no acknowledgment"
            time.sleep(0.1)
    return case


def wait_for_documents(base: str) -> None:
    """The API renders the PDFs after every close (a job): wait until acme's is stored."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
        while time.monotonic() < deadline:
            state = api.get("/v1/admin/invoices/FX-2026-000001/document").json()
            if state.get("sha256") or state.get("status") == "stored":
                return
            time.sleep(0.2)
    raise AssertionError(f"FX-2026-000001's PDF was not stored: {state}")


CONSOLE_PAGES = (("/console/", "months"), ("/console/mois/2026-02", "preview"), ("/console/clients", "customers"),
                 ("/console/clients/acme", "customer"), ("/console/creances", "receivables"),
                 ("/console/dossiers", "cases"), ("/console/documents", "documents"), ("/console/sante", "health"))


def test_finance_finds_rejected_documents_revokes_a_customer_and_reads_the_console_on_a_phone(
    server_without_vat: tuple[str, Settings, FixedClock, AccessLog],
) -> None:
    """February closed with FLEXIO's VAT number unset: the three invoices fail BR-S-02 and are rejected.
    Finance finds them on « Documents rejetés », opens acme's page from there (its payment, the rejection
    in the invoice's lifecycle), signs acme out of the portal with one button, then reads every console
    page at a phone's width (axe-core, no sideways scrolling)."""
    from playwright.sync_api import expect, sync_playwright

    base, settings, clock, _access = server_without_vat
    seed(base, clock)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as api:
        assert api.post("/v1/admin/months/2026-02/close", json={"issue_date": "2026-03-02"}).status_code == 202
        deadline = time.monotonic() + 60
        while api.get("/v1/admin/invoices/FX-2026-000003/document").json().get("status") != "rejected":
            assert time.monotonic() < deadline, "the documents were not rejected"
            time.sleep(0.2)
    pay(base, "acme", "FX-2026-000001", "1000.00", "VIR-ACME-0001")
    # A dispute received Thursday 5 March (answer due 12 March), one received Friday 20 March (answer due
    # 27 March): on the 20th the first is overdue.
    clock.set(datetime(2026, 3, 5, 10, 0, tzinfo=PARIS))
    overdue = mail_dispute(base, clock, "factures@acme.fr", "FX-2026-000001", "120.50")
    clock.set(datetime(2026, 3, 20, 10, 0, tzinfo=PARIS))
    mail_dispute(base, clock, "factures@globex.fr", "FX-2026-000002", "80.00")
    assert (overdue["acknowledge_by"], overdue["answer_by"]) == ("2026-03-06", "2026-03-12")
    axe_source = AXE.read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # acme signs in to the portal (a phone).
            portal = browser.new_context(bypass_csp=True, locale="fr-FR", viewport={"width": 390, "height": 844})
            customer_page = portal.new_page()
            customer_page.set_default_timeout(30_000)
            customer_page.goto(f"{base}/portal/")
            customer_page.get_by_label("Adresse e-mail de facturation").fill("factures@acme.fr")
            customer_page.get_by_role("button", name="Recevoir le lien").click()
            expect(customer_page.get_by_role("status")).to_contain_text("lien de connexion")
            customer_page.goto(outbox_link(settings))
            customer_page.get_by_role("button", name="Ouvrir mon espace").click()
            expect(customer_page.get_by_role("heading", name=re.compile("ACME SAS"))).to_be_visible()

            desk = browser.new_context(bypass_csp=True, locale="fr-FR", viewport={"width": 1100, "height": 800})
            page = desk.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{base}/console/")
            page.get_by_label("Jeton d'administration").fill(ADMIN_TOKEN)
            page.get_by_role("button", name="Se connecter").click()
            page.get_by_role("link", name="Documents rejetés").click()
            expect(page.get_by_role("heading", name="Documents rejetés")).to_be_visible()
            expect(page.get_by_text("3 document(s) émis sans PDF archivé")).to_be_visible()
            rows = page.locator("main table tbody tr")
            expect(rows).to_have_count(3)
            expect(rows.first).to_contain_text("FX-2026-000003")  # newest number first
            expect(rows.last).to_contain_text("BR-S-02")
            axe_check(page, "console documents", axe_source)
            shoot(page, "console-documents")
            rows.last.get_by_role("link", name="acme").click()
            expect(page.get_by_role("heading", name=re.compile("ACME SAS"))).to_be_visible()
            expect(page.locator("#paiements + div table")).to_contain_text("VIR-ACME-0001")
            expect(page.locator("#cycle + div table")).to_contain_text("document rejeté (BR-S-02)")
            expect(page.locator("#rejets + ul")).to_contain_text("FX-2026-000001")
            page.get_by_role("button", name="Révoquer les sessions du client").click()
            expect(page.get_by_role("status")).to_contain_text("1 session(s) du portail révoquée(s)")
            customer_page.reload()
            expect(customer_page.get_by_role("heading", name="Connexion à l'espace client")).to_be_visible()
            page.get_by_role("navigation", name="Console").get_by_role("link", name="Dossiers").click()
            cases = page.locator("main table tbody tr")
            expect(cases).to_have_count(2)
            expect(cases.first).to_contain_text("acme")  # overdue first
            expect(cases.first).to_contain_text("en retard")
            expect(cases.first).to_contain_text("12/03/2026 dépassé")
            expect(cases.last).to_contain_text("globex")
            expect(cases.last).not_to_contain_text("en retard")
            axe_check(page, "console cases", axe_source)
            shoot(page, "console-cases")

            phone = browser.new_context(bypass_csp=True, locale="fr-FR", viewport={"width": 390, "height": 844})
            page = phone.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{base}/console/")
            fits(page, "console sign-in")
            page.get_by_label("Jeton d'administration").fill(ADMIN_TOKEN)
            page.get_by_role("button", name="Se connecter").click()
            expect(page.get_by_role("heading", name="Mois")).to_be_visible()
            for path, name in CONSOLE_PAGES:
                page.goto(base + path)
                axe_check(page, f"console {name} (phone)", axe_source)
                fits(page, f"console {name}")
                if name == "customer":
                    shoot(page, "console-customer-phone")
        finally:
            browser.close()
