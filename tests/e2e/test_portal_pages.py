"""The customer portal and the finance console over HTTP (issue 23), on both backends: the sign-in
link (mailed to the outbox, single use, 15 minutes, rate-limited, never logged, stored hashed), the
session cookie's flags, CSRF on every form, 404 for another account's invoice, §9's closed access,
revocable sessions, and a dispute form that opens the same case as an email."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from support.api_helpers import ADMIN, at, close_february, post
from support.http_helpers import setup_customer

from billing.settings import Settings
from ledger.clock import FixedClock

SELLER_VAT = "FR94820015006"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """FLEXIO's VAT number (§1b) so the invoices' PDFs are stored."""
    return settings.model_copy(update={"seller_vat_number": SELLER_VAT})


def outbox_links(settings: Settings) -> list[str]:
    outbox = Path(settings.storage_dir).parent / "outbox"
    links = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if "connexion" in str(message["Subject"]):
            body = message.get_body(("plain",))
            assert body is not None
            links += re.findall(r"https?://\S+/portal/connexion\?jeton=[\w-]+", body.get_content())
    return links


def form_token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def sign_in(client: TestClient, settings: Settings, email: str = "factures@acme.fr") -> str:
    """Ask for a link, follow it from the outbox, press the button: the portal's home page."""
    before = len(outbox_links(settings))
    response = client.post("/portal/sign-in", data={"email": email, "form_token": form_token(client, "/portal/")})
    assert response.status_code == 200 and "lien de connexion" in response.text
    links = outbox_links(settings)
    assert len(links) == before + 1
    secret = links[-1].split("jeton=")[1]
    opened = client.get(f"/portal/connexion?jeton={secret}")
    assert opened.status_code == 200
    token = re.search(r'name="form_token" value="([^"]+)"', opened.text)
    assert token
    response = client.post("/portal/connexion", data={"jeton": secret, "form_token": token.group(1)},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/portal/"
    cookie = response.headers["set-cookie"]
    assert "flexio_portal=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain HTTP here; behind HTTPS it is Secure (below)
    home = client.get("/portal/")
    assert home.status_code == 200
    return home.text


def test_sign_in_by_link_then_invoices_pdf_and_archive(
    client: TestClient, settings: Settings, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    setup_customer(client)
    setup_customer(client, "globex")
    close_february(client, clock)
    caplog.set_level(logging.DEBUG)
    home = sign_in(client, settings)
    # February 2026 for acme: plan 500 × 19/28 = 339.29 + installation 800.00 = HT 1139.29, TTC 1367.15.
    assert "FX-2026-000001" in home and "1\u202f367,15\u00a0€" in home and "à payer" in home
    assert "FX-2026-000002" not in home  # globex's invoice (account order: acme, globex)
    pdf = client.get("/portal/factures/FX-2026-000001.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = client.get("/portal/factures/FX-2026-000002.pdf")
    assert other.status_code == 404  # another account's invoice: 404, not 403
    archive = client.get("/portal/archive.zip?from=2026-03&to=2026-03")  # months of issue: 2 March 2026
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        names = opened.namelist()
    assert any(name.endswith("FX-2026-000001.pdf") for name in names)
    assert not any("FX-2026-000002" in name for name in names)
    assert 'name="from" type="month" value="2026-03"' in home  # the form offers the months of issue
    assert client.get("/portal/usage.xlsx?month=2026-03").content.startswith(b"PK")
    assert "<svg" in home and "plafond" in home
    # The secret of the link is never logged, and only its SHA-256 is stored.
    secret = outbox_links(settings)[-1].split("jeton=")[1]
    server_side = [r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert not any(secret in line for line in server_side)  # the test client's own log is ours, not the server's
    engine = create_engine(settings.sqlalchemy_url)
    with engine.connect() as conn:
        hashes = [row[0] for row in conn.execute(text("SELECT link_hash FROM portal_sign_in_links"))]
        sessions = [row[0] for row in conn.execute(text("SELECT session_hash FROM page_sessions"))]
    engine.dispose()
    assert hashlib.sha256(secret.encode()).hexdigest() in hashes and secret not in hashes
    assert client.cookies.get("flexio_portal") not in sessions


def test_a_link_is_single_use_expires_and_is_rate_limited(client: TestClient, settings: Settings, clock: FixedClock) -> None:
    setup_customer(client)
    sign_in(client, settings)
    used = outbox_links(settings)[-1].split("jeton=")[1]
    client.cookies.clear()
    token = form_token(client, "/portal/")
    again = client.post("/portal/connexion", data={"jeton": used, "form_token": token}, follow_redirects=False)
    assert again.status_code == 400 and "flexio_portal" not in again.headers.get("set-cookie", "")
    # A fresh link, 15 minutes and 1 second later: expired.
    client.post("/portal/sign-in", data={"email": "factures@acme.fr", "form_token": token})
    late = outbox_links(settings)[-1].split("jeton=")[1]
    at(clock, "2026-02-12", 12)
    clock.set(clock.now().replace(minute=15, second=1))
    assert client.post("/portal/connexion", data={"jeton": late, "form_token": token}).status_code == 400
    # Rate limit: 3 links an account in 15 minutes. The two links of 12:00:00 are outside the window
    # [12:00:01, 12:15:01], so of these 4 requests at 12:15:01 the first 3 mail a link and the 4th
    # mails nothing, and says the same (the address is matched in any case).
    count = len(outbox_links(settings))
    for _ in range(4):
        response = client.post("/portal/sign-in", data={"email": "FACTURES@acme.fr", "form_token": token})
        assert response.status_code == 200 and "lien de connexion" in response.text
    assert len(outbox_links(settings)) == count + 3
    unknown = client.post("/portal/sign-in", data={"email": "personne@example.org", "form_token": token})
    assert unknown.status_code == 200 and unknown.text.count("lien de connexion") >= 1


def test_forms_need_their_csrf_token(client: TestClient, settings: Settings, clock: FixedClock) -> None:
    setup_customer(client)
    assert client.post("/portal/sign-in", data={"email": "factures@acme.fr"}).status_code == 403
    assert client.post("/portal/sign-in", data={"email": "factures@acme.fr", "form_token": "x" * 43}).status_code == 403
    assert outbox_links(settings) == []
    home = sign_in(client, settings)
    assert client.post("/portal/sign-out", data={}).status_code == 403
    assert client.post("/portal/contestations", data={"invoice": "x", "amount": "1", "facts": "f"}).status_code == 403
    assert client.get("/portal/").status_code == 200  # still signed in
    assert client.post("/portal/sign-out", data={"csrf": csrf_of(home)}, follow_redirects=False).status_code == 303
    assert client.get("/portal/factures/FX-2026-000001.pdf").status_code == 401  # revoked server-side


def test_cookie_is_secure_behind_https(client: TestClient, settings: Settings) -> None:
    setup_customer(client)
    page = client.get("/portal/", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in page.headers["set-cookie"]
    assert page.headers["referrer-policy"] == "no-referrer"


def test_access_closes_after_the_last_day_of_service(client: TestClient, settings: Settings, clock: FixedClock) -> None:
    setup_customer(client)
    close_february(client, clock)  # 2 March 2026
    ended = post(client, "/v1/admin/customers/acme/termination",
                 {"notified_on": "2026-03-02", "channel": "email", "requested_end": "2026-03-31"})
    assert ended["effective_end"] == "2026-03-31"
    at(clock, "2026-03-31", 9)
    home = sign_in(client, settings)  # the last day of service: still open
    assert "FX-2026-000001" in home
    at(clock, "2026-04-01", 9)
    page = client.get("/portal/")
    assert "Connexion" in page.text  # §9: the session no longer signs in
    assert client.get("/portal/factures/FX-2026-000001.pdf").status_code == 401
    token = form_token(client, "/portal/")
    before = len(outbox_links(settings))
    client.post("/portal/sign-in", data={"email": "factures@acme.fr", "form_token": token})
    assert len(outbox_links(settings)) == before  # and no new link is sent


def test_the_dispute_form_opens_the_case_an_email_would(client: TestClient, settings: Settings, clock: FixedClock) -> None:
    setup_customer(client)
    close_february(client, clock)  # FX-2026-000001 issued 2026-03-02
    at(clock, "2026-03-05")
    home = sign_in(client, settings)
    bad = client.post("/portal/contestations", data={"csrf": csrf_of(home), "invoice": "FX-2026-000001",
                                                     "amount": "-3", "facts": "x"})
    assert bad.status_code == 422 and "Un montant en euros" in bad.text
    assert client.get("/v1/admin/disputes", headers=ADMIN).json()["cases"] == []  # nothing recorded
    response = client.post("/portal/contestations", follow_redirects=False, data={
        "csrf": csrf_of(home), "invoice": "FX-2026-000001", "amount": "120,50",
        "facts": "Le dépassement facturé ne correspond pas à notre usage."})
    assert response.status_code == 303
    cases = client.get("/v1/admin/disputes", headers=ADMIN).json()["cases"]
    assert len(cases) == 1
    case = cases[0]
    assert (case["kind"], case["invoice"], case["amount"], case["valid"]) == ("dispute", "FX-2026-000001", "120.50", True)
    assert case["account"] == "acme"
    # §8, received Thursday 5 March 2026 (noon, within the 20 days after the 2 March issue): acknowledged
    # by the next business day, Friday 6 March; answered by the 7th day after receipt, 12 March.
    assert (case["acknowledge_by"], case["answer_by"]) == ("2026-03-06", "2026-03-12")
    page = client.get(response.headers["location"]).text
    assert "120,50" in page and "06/03/2026" in page and "12/03/2026" in page


def test_console_signs_in_with_an_admin_token_and_lists(client: TestClient, settings: Settings, clock: FixedClock) -> None:
    setup_customer(client)
    at(clock, "2026-03-02")
    token = form_token(client, "/console/")
    assert client.post("/console/sign-in", data={"token": "nope", "form_token": token}).status_code == 401
    response = client.post("/console/sign-in", data={"token": "test-admin-token", "form_token": token},
                           follow_redirects=False)
    assert response.status_code == 303 and "HttpOnly" in response.headers["set-cookie"]
    months = client.get("/console/")
    assert "2026-02" in months.text and "Clôturer" in months.text
    for path in ("/console/clients?q=acme", "/console/clients/acme", "/console/creances", "/console/dossiers",
                 "/console/sante", "/console/mois/2026-02"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
    assert client.post("/console/mois/2026-02/cloture", data={"issue_date": "2026-03-02"}).status_code == 403
    client.post("/console/mois/2026-02/cloture", data={"issue_date": "2026-03-02", "csrf": csrf_of(months.text)})
    from support.api_helpers import wait_closed

    wait_closed(client, "2026-02")
    # Signed out, a console page sends the browser to the sign-in page, and htmx's poll is told to.
    client.post("/console/sign-out", data={"csrf": csrf_of(client.get("/console/").text)})
    gone = client.get("/console/clients", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/console/"
    poll = client.get("/console/mois/2026-02/etat", headers={"HX-Request": "true"}, follow_redirects=False)
    assert poll.status_code == 401 and poll.headers["hx-redirect"] == "/console/"
    assert client.post("/console/mois/2026-02/cloture", data={}).status_code == 401
    # A portal session cookie does not open the console, nor the other way round.
    client.cookies.set("flexio_portal", client.cookies.get("flexio_console") or "")
    assert client.get("/portal/").text.count("Connexion") >= 1


def test_a_closing_month_row_polls_its_progress_with_htmx(client: TestClient) -> None:
    """The console's row of a closing month carries the htmx poll (every second) and a progress bar;
    a closed one stops polling. The vendored htmx is served from the app (no CDN)."""
    from billing.services.page_sessions import PageSession
    from billing.web.common import templates

    session = PageSession("s", "admin", None, "c" * 64)
    row = templates.get_template("console/month_row.html").render(
        session=session, m={"month": "2026-02", "status": "closing", "progress": {"invoiced": 2, "accounts": 5}, "invoices": 2,
                            "total_ht": "10.00", "total_ttc": "12.00"})
    assert 'hx-get="/console/mois/2026-02/etat"' in row and 'hx-trigger="every 1s"' in row
    assert '<progress max="5" value="2"' in row
    closed = templates.get_template("console/month_row.html").render(
        session=session, m={"month": "2026-02", "status": "closed", "invoices": 5, "total_ht": "10.00",
                            "total_ttc": "12.00", "issue_date": "2026-03-02"})
    assert "hx-get" not in closed and "<progress" not in closed
    htmx = client.get("/pages-static/htmx-2.0.11.min.js")
    assert htmx.status_code == 200 and b"htmx" in htmx.content[:2000]
    page = client.get("/console/")
    assert 'src="/pages-static/htmx-2.0.11.min.js"' in page.text and "https://" not in page.text
