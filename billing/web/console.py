"""The finance console at ``/console/`` (issue 23): an admin token turned into a session, then the
months (status, a live progress bar while closing, the preview with its errors, close and resume),
customers (search, the account's facts, invoices with their lifecycle, payments, cases, receivables,
rejected documents and sessions), receivables, cases (overdue first), rejected documents, the
projection's health and the contract signals. What a page shows is read by
``billing.services.console_views``. Every action goes through the service the
API route calls, with an admin principal. The API's route functions are imported where they are used:
the package ``billing.api`` builds the app, which mounts these pages, at import.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from billing.commands.closing import CloseMonth
from billing.commands.receivables import ReceivablesOn
from billing.services.page_sessions import PageSession
from billing.services.tokens import Principal
from billing.web.common import (
    SignInRequired,
    check_csrf,
    check_form_token,
    container_of,
    render,
    sessions_of,
    set_session_cookie,
)
from ledger.errors import BillingError

COOKIE = "flexio_console"
ADMIN = Principal("admin")
router = APIRouter(prefix="/console", include_in_schema=False)


def _session(request: Request) -> PageSession | None:
    return sessions_of(request).session(request.cookies.get(COOKIE), "admin")


def _required(request: Request) -> PageSession:
    """The console's session; a page asked without one sends the browser to the sign-in page, a form
    posted without one is a 401."""
    session = _session(request)
    if session is None:
        if request.method == "GET":
            raise SignInRequired("/console/")
        raise HTTPException(401, "session expirée : reconnectez-vous sur /console/")
    return session


@router.get("/")
async def months(request: Request) -> Response:
    session = _session(request)
    if session is None:
        return render(request, "console/sign_in.html", title="Console finance — connexion")
    listed = await run_in_threadpool(container_of(request).directory.months)
    return render(request, "console/months.html", title="Console finance — mois", session=session,
                  months=listed["months"], error=request.query_params.get("erreur"))


@router.post("/sign-in")
async def sign_in(request: Request, token: str = Form("", max_length=256), form_token: str = Form("")) -> Response:
    check_form_token(request, form_token)
    opened = await run_in_threadpool(sessions_of(request).sign_in_admin, token.strip())
    if opened is None:
        return render(request, "console/sign_in.html", status=401, title="Console finance — connexion",
                      error="Jeton inconnu, révoqué ou sans le rôle admin.")
    response = RedirectResponse("/console/", status_code=303)
    set_session_cookie(request, response, COOKIE, opened[0], "/console")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, csrf: str = Form("")) -> Response:
    session = _required(request)
    check_csrf(session, csrf)
    await run_in_threadpool(sessions_of(request).sign_out, session)
    response = RedirectResponse("/console/", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("/mois/{month}/etat")
async def month_progress(request: Request, month: str) -> Response:
    """The month's row, polled every second by htmx while it is closing."""
    session = _required(request)
    state = await run_in_threadpool(container_of(request).closing.current_month_state, month)
    return render(request, "console/month_row.html", session=session, m=state)


@router.get("/mois/{month}")
async def month_preview(request: Request, month: str, issue_date: str | None = Query(None)) -> Response:
    session = _required(request)
    c = container_of(request)

    from billing.api.routes.invoicing import preview_month  # the API's preview, document errors included

    def load() -> tuple[dict[str, Any], dict[str, Any]]:
        state = c.closing.current_month_state(month)
        preview = preview_month(month, c.closing, c.documents, ADMIN, issue_date or state.get("issue_date"))
        return state, preview

    state, preview = await run_in_threadpool(load)
    return render(request, "console/preview.html", title=f"Console finance — aperçu {month}", session=session,
                  m=state, preview=preview)


@router.post("/mois/{month}/cloture")
async def close(request: Request, month: str, csrf: str = Form(""), issue_date: str = Form("", max_length=10)) -> Response:
    """Close (or resume a failed) month with an issue date; a refusal comes back as the page's message."""
    session = _required(request)
    check_csrf(session, csrf)
    c = container_of(request)
    try:
        await run_in_threadpool(c.closing.request_close, CloseMonth.from_request(month, issue_date or None))
    except BillingError as exc:
        return render(request, "console/months.html", status=exc_status(exc), title="Console finance — mois",
                      session=session, months=(await run_in_threadpool(c.directory.months))["months"],
                      error=f"{month} : {exc.message}", details=getattr(exc, "details", None))
    return RedirectResponse("/console/", status_code=303)


def exc_status(exc: BillingError) -> int:
    return int(getattr(exc, "status", None) or {"InvalidInput": 422, "Conflict": 409, "NotFound": 404}.get(
        type(exc).__name__, 400))


@router.get("/clients")
async def customers(request: Request, q: str = Query("", max_length=100), page: int = Query(1, ge=1, le=100_000)) -> Response:
    session = _required(request)
    listed = await run_in_threadpool(container_of(request).directory.customers, q, page)
    return render(request, "console/customers.html", title="Console finance — clients", session=session, q=q,
                  **listed)


@router.get("/clients/{account}")
async def customer(request: Request, account: str) -> Response:
    session = _required(request)
    c = container_of(request)

    from billing.api.routes.customers import account_view  # the API's account shape

    data = await run_in_threadpool(c.console.account_page, account)
    data["customer"] = account_view(data["customer"])
    return render(request, "console/customer.html", title=f"Console finance — {account}", session=session,
                  revoked=request.query_params.get("revoquees"), **data)


@router.post("/clients/{account}/sessions/revoquer")
async def revoke_account_sessions(request: Request, account: str, csrf: str = Form("")) -> Response:
    """Sign the account out of the portal everywhere: each of its sessions is revoked."""
    session = _required(request)
    check_csrf(session, csrf)
    count = await run_in_threadpool(sessions_of(request).revoke_account, account[:64])
    return RedirectResponse(f"/console/clients/{quote(account[:64], safe='')}?revoquees={count}", status_code=303)


@router.get("/creances")
async def receivables(request: Request, on: str | None = Query(None, max_length=10)) -> Response:
    session = _required(request)
    listed = await run_in_threadpool(container_of(request).receivables.receivables, ReceivablesOn.from_request(on))
    return render(request, "console/receivables.html", title="Console finance — créances", session=session, **listed)


@router.get("/dossiers")
async def cases(request: Request) -> Response:
    session = _required(request)
    listed = await run_in_threadpool(container_of(request).console.cases)  # overdue first (§8 deadlines)
    return render(request, "console/cases.html", title="Console finance — dossiers", session=session, cases=listed)


@router.get("/documents")
async def rejected_documents(request: Request, page: int = Query(1, ge=1, le=100_000)) -> Response:
    """The documents whose PDF was not stored (Factur-X rules failed, or not renderable), with why."""
    session = _required(request)
    listed = await run_in_threadpool(container_of(request).console.rejected_documents, page)
    return render(request, "console/documents.html", title="Console finance — documents rejetés", session=session,
                  **listed)


@router.get("/sante")
async def health(request: Request) -> Response:
    session = _required(request)
    data = await run_in_threadpool(container_of(request).console.health)
    return render(request, "console/health.html", title="Console finance — santé", session=session, **data)


@router.post("/sessions/{session_id}/revoquer")
async def revoke(request: Request, session_id: str, csrf: str = Form("")) -> Response:
    """Revoke a page session (a customer's or a colleague's): its next request is signed out."""
    session = _required(request)
    check_csrf(session, csrf)
    await run_in_threadpool(sessions_of(request).revoke, session_id[:64])
    return RedirectResponse("/console/sante", status_code=303)
