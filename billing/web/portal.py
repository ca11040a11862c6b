"""The customer portal at ``/portal/`` (issue 23; contract art. 1 "Interface de gestion", art. 10.2).

Sign-in by a one-time link mailed to the billing email (``POST /portal/sign-in``, form field ``email``).
The link opens a page whose button posts the link's secret once: mail scanners that fetch links do not
use it up, and after sign-in no secret stays in a URL (the session is an HttpOnly cookie). Every page
and download checks the session's account, through the API's own route functions and a customer
principal, so a page answers exactly what the API would (404 for another account's invoice, access
closed after the last day of service, §9).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from billing.services.page_sessions import PageSession
from billing.services.tokens import Principal
from billing.web.charts import usage_chart
from billing.web.common import (
    check_csrf,
    check_form_token,
    container_of,
    render,
    sessions_of,
    set_session_cookie,
)
from ledger.clock import today
from ledger.months import Month

COOKIE = "flexio_portal"
router = APIRouter(prefix="/portal", include_in_schema=False)

AMOUNT_RE = re.compile(r"\d{1,9}(?:[.,]\d{1,2})?")
FACTS_MAX = 5000
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _session(request: Request) -> PageSession | None:
    return sessions_of(request).session(request.cookies.get(COOKIE), "customer")


def _required(request: Request) -> PageSession:
    session = _session(request)
    if session is None:
        raise HTTPException(401, "session expirée : reconnectez-vous sur /portal/")
    return session


def _routes() -> Any:
    """The API's document routes (imported here: ``billing.api`` builds the app, which mounts the pages)."""
    from billing.api.routes import documents

    return documents


def _principal(session: PageSession) -> Principal:
    return Principal("customer", session.account)


@router.get("/")
async def home(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return render(request, "portal/sign_in.html", title="Espace client — connexion")
    return await run_in_threadpool(_dashboard, request, session, {}, 200)


def _dashboard(request: Request, session: PageSession, form: dict[str, Any], status: int) -> Response:
    c = container_of(request)
    account = str(session.account)
    principal = _principal(session)
    listed = _routes().customer_invoices(account, c.documents, c.invoices, c.credit_notes, principal)
    customer = c.accounts.get(account)
    now = today(c.clock)
    month = Month.of(now)
    usage = c.usage.month_statement(account, month)
    cap = c.accounts.month_cap(account, month)
    per_day = c.usage.daily_credits(account, month)
    chart = usage_chart(month.first_day, month.days, per_day, cap, up_to=now)
    days = [(month.first_day + timedelta(days=n), per_day.get(month.first_day + timedelta(days=n), 0))
            for n in range((now - month.first_day).days + 1)]
    cases = [case for case in c.cases.list_cases() if case["account"] == account]
    months = sorted({i["issue_date"][:7] for i in listed["invoices"]})  # the archive ranges months of issue
    return render(
        request, "portal/home.html", status=status, title=f"Espace client — {customer.legal_name}",
        session=session, customer=customer, invoices=listed["invoices"], credit_notes=listed["credit_notes"],
        month=str(month), credits=usage["credits"], cap=cap, chart=chart, days=days, cases=cases,
        archive_from=months[0] if months else str(month), archive_to=months[-1] if months else str(month),
        form=form, created=request.query_params.get("dossier"),
    )


@router.post("/sign-in")
async def sign_in(request: Request, email: str = Form("", max_length=320), form_token: str = Form("")) -> Response:
    """Mail a one-time link (15 minutes, single use, rate-limited); the answer never says whether the
    address is known."""
    check_form_token(request, form_token)
    link_base = str(request.url_for("portal_link"))
    await run_in_threadpool(sessions_of(request).request_link, email, link_base)
    return render(request, "portal/link_sent.html", title="Espace client — lien envoyé")


@router.get("/connexion", name="portal_link")
async def link_page(request: Request, jeton: str = Query("", max_length=128)) -> Response:
    """The page the mailed link opens: a button posts the secret (a GET never uses the link up)."""
    return render(request, "portal/link.html", title="Espace client — connexion", jeton=jeton)


@router.post("/connexion")
async def use_link(request: Request, jeton: str = Form("", max_length=128), form_token: str = Form("")) -> Response:
    check_form_token(request, form_token)
    opened = await run_in_threadpool(sessions_of(request).sign_in_with_link, jeton)
    if opened is None:
        return render(request, "portal/sign_in.html", status=400, title="Espace client — connexion",
                      error="Ce lien n'est plus valable (déjà utilisé, ou plus de 15 minutes). Demandez-en un autre.")
    secret, _session_opened = opened
    response = RedirectResponse("/portal/", status_code=303)
    set_session_cookie(request, response, COOKIE, secret, "/portal")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: str = Form("")) -> Response:
    session = _required(request)
    check_csrf(session, csrf)
    await run_in_threadpool(sessions_of(request).sign_out, session)
    response = RedirectResponse("/portal/", status_code=303)
    response.delete_cookie(COOKIE, path="/portal")
    return response


@router.get("/factures/{number}.pdf")
async def invoice_pdf(request: Request, number: str) -> Response:
    session = _required(request)
    c = container_of(request)
    return await run_in_threadpool(_routes().invoice_pdf, number, c.documents, _principal(session))


@router.get("/archive.zip")
async def archive(request: Request, from_: str = Query(..., alias="from"), to: str = Query(...)) -> Response:
    session = _required(request)
    c = container_of(request)
    return await run_in_threadpool(_routes().customer_archive, str(session.account), c.documents,
                                   _principal(session), from_, to)


@router.get("/usage.xlsx")
async def usage_xlsx(request: Request, month: str = Query(...)) -> Response:
    session = _required(request)
    c = container_of(request)
    return await run_in_threadpool(_routes().usage_statement, str(session.account), c.documents, c.usage,
                                   c.accounts, _principal(session), month)


@router.post("/contestations")
async def dispute(
    request: Request,
    csrf: str = Form(""),
    invoice: str = Form("", max_length=32),
    amount: str = Form("", max_length=20),
    facts: str = Form("", max_length=FACTS_MAX + 100),
) -> Response:
    """Open a case exactly as an email to compta@flexio.fr would (§8: same window, acknowledgment and
    deadlines): the form is written as that email, from the account's billing email, and recorded."""
    session = _required(request)
    check_csrf(session, csrf)
    return await run_in_threadpool(_dispute, request, session, invoice.strip(), amount.strip(), facts.strip())


def _dispute(request: Request, session: PageSession, invoice: str, amount: str, facts: str) -> Response:
    c = container_of(request)
    account = str(session.account)
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"invoice": invoice, "amount": amount, "facts": facts, "errors": errors}
    own = {i["number"] for i in c.invoices.list(account=account)}
    if invoice not in own:
        errors["invoice"] = "Choisissez une de vos factures."
    if not AMOUNT_RE.fullmatch(amount) or Decimal(amount.replace(",", ".")) <= 0:
        errors["amount"] = "Un montant en euros, par exemple 120,50."
    if not facts or len(facts) > FACTS_MAX or CONTROL_RE.search(facts):
        errors["facts"] = f"Décrivez les faits (1 à {FACTS_MAX} caractères)."
    if errors:
        return _dashboard(request, session, form, 422)  # nothing recorded
    customer = c.accounts.get(account)
    value = Decimal(amount.replace(",", "."))
    message = EmailMessage()
    message["From"] = customer.billing_email
    message["To"] = c.settings.seller_email
    message["Subject"] = f"Contestation de la facture {invoice}"
    message["Date"] = format_datetime(c.clock.now())
    message["Message-ID"] = make_msgid(domain="portail.flexio.fr")
    message["X-Flexio-Portal"] = account
    message.set_content(
        f"Bonjour,\n\nNous contestons la facture {invoice} pour un montant de {value:.2f} EUR.\n\n"
        f"Faits :\n{facts}\n\n(Envoyé depuis l'espace client FLEXIO.)\n"
    )
    case = c.cases.record_email(bytes(message))
    return RedirectResponse(f"/portal/?dossier={case['case']}#dossiers", status_code=303)
