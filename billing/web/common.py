"""What the portal and the console share: templates, the session cookie, CSRF, headers."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from billing.bootstrap import Container
from billing.services.page_sessions import PageSession, PageSessionService
from ledger.clock import PARIS

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
HTMX = "htmx-2.0.11.min.js"  # npm htmx.org 2.0.11, 0BSD (static/htmx-2.0.11.LICENSE)
PRE_SESSION_COOKIE = "flexio_form"  # the CSRF token of the forms shown before a session exists

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "j2"]))


def eur(value: Any) -> str:
    """1234.5 → « 1 234,50 € » (French grouping, narrow no-break space)."""
    if value is None or value == "":
        return ""
    return f"{_group(str(value))}\u00a0€"


def _group(text: str) -> str:
    negative = text.startswith("-")
    whole, _, cents = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return ("-" if negative else "") + "\u202f".join(groups) + "," + (cents or "00").ljust(2, "0")[:2]


def fr_date(value: str | None) -> str:
    if not value:
        return ""
    year, month, day = value[:10].split("-")
    return f"{day}/{month}/{year}"


IBAN_RE = re.compile(r"\b([A-Z]{2}\d{2})[A-Z0-9]{8,26}([A-Z0-9]{4})\b")


def fact_text(value: Any) -> str:
    """A recorded fact for a person: key : value pairs, an IBAN shown by its ends only."""
    if isinstance(value, dict):
        text = " · ".join(f"{k} : {fact_text(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    elif isinstance(value, list):
        text = ", ".join(fact_text(v) for v in value)
    else:
        text = str(value)
    return IBAN_RE.sub(lambda m: f"{m.group(1)}…{m.group(2)}", text)


def fr_instant(value: datetime) -> str:
    """An instant as Paris reads it: 12/03/2026 09:30."""
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


templates.filters["fact"] = fact_text
templates.filters["fr_instant"] = fr_instant
templates.filters["eur"] = eur
templates.filters["fr_date"] = fr_date

LABELS = {
    "issued": "émise", "disputed": "contestée", "accepted": "acceptée", "credited": "avoir émis",
    "unpaid": "à payer", "partial": "payée en partie", "paid": "payée", "late": "en retard",
    "open": "ouvert", "closing": "en cours de clôture", "closed": "clôturé", "failed": "en échec",
    "answered": "répondu", "acknowledged": "réception accusée", "received": "reçu", "rejected": "rejeté",
    "resolved": "résolu", "dispute": "contestation", "termination": "résiliation",
    "other": "autre", "filed": "classé", "stored": "archivé", "pending": "en attente",
    "sepa_debit": "prélèvement SEPA", "transfer": "virement", "cheque": "chèque",
    "freemium_inactive": "freemium inactif", "freemium_over_cap": "freemium au-delà du plafond",
    "interruption_30_days": "interruption de 30 jours", "freemium_by_flexio": "par FLEXIO (freemium)",
    "common_agreement_after_interruption": "d'un commun accord après l'interruption",
}
templates.filters["fr"] = lambda value: LABELS.get(str(value), str(value))


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def sessions_of(request: Request) -> PageSessionService:
    return container_of(request).sessions


def secure(request: Request) -> bool:
    """Secure cookies behind HTTPS: the request's scheme, or the proxy's X-Forwarded-Proto."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page, with a pre-session form token set when there is none yet (the sign-in forms' CSRF)."""
    form_token = request.cookies.get(PRE_SESSION_COOKIE)
    fresh = not form_token or len(form_token) != 43
    if fresh:
        form_token = secrets.token_urlsafe(32)
    html = templates.get_template(name).render(request=request, form_token=form_token, htmx=HTMX, **context)
    response = HTMLResponse(html, status_code=status)
    security_headers(response)  # on the pages only: no middleware on the API's hot paths
    if fresh:
        response.set_cookie(PRE_SESSION_COOKIE, str(form_token), httponly=True, samesite="strict",
                            secure=secure(request), path="/")
    return response


class SignInRequired(Exception):
    """A page asked without a live session: a browser is sent to the sign-in page (303; htmx: HX-Redirect)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def sign_in_redirect(request: Request, exc: Exception) -> Response:
    location = exc.location if isinstance(exc, SignInRequired) else "/"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": location})
    return Response(status_code=303, headers={"Location": location})


def check_form_token(request: Request, token: str | None) -> None:
    """Double-submit CSRF check of a form posted before a session exists."""
    cookie = request.cookies.get(PRE_SESSION_COOKIE)
    if not cookie or not token or not secrets.compare_digest(cookie, token):
        raise HTTPException(403, "formulaire expiré ou falsifié : rechargez la page")


def check_csrf(session: PageSession, token: str | None) -> None:
    if not PageSessionService.csrf_ok(session, token):
        raise HTTPException(403, "jeton CSRF invalide : rechargez la page")


def set_session_cookie(request: Request, response: Response, name: str, secret: str, path: str) -> None:
    response.set_cookie(name, secret, httponly=True, samesite="lax", secure=secure(request), path=path,
                        max_age=8 * 3600)


def security_headers(response: Response) -> None:
    response.headers["Referrer-Policy"] = "no-referrer"  # never leak a sign-in link through a Referer
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    )
