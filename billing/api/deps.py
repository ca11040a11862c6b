"""Dependencies of the routes, as Annotated aliases in one place (STYLE.md)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from billing.bootstrap import Container
from billing.services.accounts import AccountService
from billing.services.audit import AuditService
from billing.services.cases import CaseService
from billing.services.catalogue import CatalogueService
from billing.services.closing import ClosingService
from billing.services.corrections import CorrectionService
from billing.services.credit_notes import CreditNoteService
from billing.services.documents import DocumentService
from billing.services.exports import FecExportService, SepaExportService, WorkbookExportService
from billing.services.invoice_queries import InvoiceQueries
from billing.services.late_payment_rates import LatePaymentRateService
from billing.services.pa_lifecycle import PaLifecycleService
from billing.services.payments import PaymentService
from billing.services.receivables import ReceivableService
from billing.services.service_levels import ServiceLevelService
from billing.services.signals import SignalService
from billing.services.tokens import Principal, TokenService
from billing.services.usage import UsageService
from billing.services.vat_rates import VatRateService
from billing.settings import Settings
from ledger.errors import NotFound

_TOKEN_RE = re.compile(r"[!-~]{1,256}", re.ASCII)
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


# Each route depends on the one service it calls (STYLE.md: thin entrypoints), not on the container.
def _settings(container: ContainerDep) -> Settings:
    return container.settings


def _audit(container: ContainerDep) -> AuditService:
    return container.audit


def _tokens(container: ContainerDep) -> TokenService:
    return container.tokens


def _catalogue(container: ContainerDep) -> CatalogueService:
    return container.catalogue


def _accounts(container: ContainerDep) -> AccountService:
    return container.accounts


def _usage(container: ContainerDep) -> UsageService:
    return container.usage


def _closing(container: ContainerDep) -> ClosingService:
    return container.closing


def _invoices(container: ContainerDep) -> InvoiceQueries:
    return container.invoices


def _cases(container: ContainerDep) -> CaseService:
    return container.cases


def _service_levels(container: ContainerDep) -> ServiceLevelService:
    return container.service_levels


def _signals(container: ContainerDep) -> SignalService:
    return container.signals


def _sepa(container: ContainerDep) -> SepaExportService:
    return container.exports


def _workbook(container: ContainerDep) -> WorkbookExportService:
    return container.workbook


def _fec(container: ContainerDep) -> FecExportService:
    return container.fec


def _payments(container: ContainerDep) -> PaymentService:
    return container.payments


def _receivables(container: ContainerDep) -> ReceivableService:
    return container.receivables


def _documents(container: ContainerDep) -> DocumentService:
    return container.documents


def _credit_notes(container: ContainerDep) -> CreditNoteService:
    return container.credit_notes


def _corrections(container: ContainerDep) -> CorrectionService:
    return container.corrections


def _vat_rates(container: ContainerDep) -> VatRateService:
    return container.vat_rates


def _late_payment_rates(container: ContainerDep) -> LatePaymentRateService:
    return container.late_payment_rates


def _pa_lifecycle(container: ContainerDep) -> PaLifecycleService:
    return container.pa_lifecycle


SettingsDep = Annotated[Settings, Depends(_settings)]  # limits the HTTP edge enforces itself (request size)
TokensDep = Annotated[TokenService, Depends(_tokens)]
AuditDep = Annotated[AuditService, Depends(_audit)]
CatalogueDep = Annotated[CatalogueService, Depends(_catalogue)]
AccountsDep = Annotated[AccountService, Depends(_accounts)]
UsageDep = Annotated[UsageService, Depends(_usage)]
ClosingDep = Annotated[ClosingService, Depends(_closing)]
InvoicesDep = Annotated[InvoiceQueries, Depends(_invoices)]
CasesDep = Annotated[CaseService, Depends(_cases)]
ServiceLevelsDep = Annotated[ServiceLevelService, Depends(_service_levels)]
SignalsDep = Annotated[SignalService, Depends(_signals)]
SepaDep = Annotated[SepaExportService, Depends(_sepa)]
WorkbookDep = Annotated[WorkbookExportService, Depends(_workbook)]
FecDep = Annotated[FecExportService, Depends(_fec)]
PaymentsDep = Annotated[PaymentService, Depends(_payments)]
ReceivablesDep = Annotated[ReceivableService, Depends(_receivables)]
DocumentsDep = Annotated[DocumentService, Depends(_documents)]
CreditNotesDep = Annotated[CreditNoteService, Depends(_credit_notes)]
CorrectionsDep = Annotated[CorrectionService, Depends(_corrections)]
VatRatesDep = Annotated[VatRateService, Depends(_vat_rates)]
LatePaymentRatesDep = Annotated[LatePaymentRateService, Depends(_late_payment_rates)]
PaLifecycleDep = Annotated[PaLifecycleService, Depends(_pa_lifecycle)]


def get_principal(
    tokens: TokensDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    if not _TOKEN_RE.fullmatch(credentials.credentials):
        # Our tokens are URL-safe ASCII; anything else (non-ASCII, spaces, 5 kB) is no token of ours.
        raise HTTPException(401, "malformed bearer token", headers={"WWW-Authenticate": "Bearer"})
    principal = tokens.authenticate(credentials.credentials)
    if principal is None:
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_admin(principal: PrincipalDep) -> Principal:
    if principal.role != "admin":
        raise HTTPException(403, "this endpoint is for finance (admin) tokens")
    return principal


def require_ingest(principal: PrincipalDep) -> Principal:
    if principal.role not in ("admin", "ingest"):
        raise HTTPException(403, "usage is reported with an ingest or admin token")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
IngestDep = Annotated[Principal, Depends(require_ingest)]


def require_reader(principal: PrincipalDep) -> Principal:
    """Invoices are for finance and customers: an ingest token only reports usage (403)."""
    if principal.role not in ("admin", "customer"):
        raise HTTPException(403, "this endpoint is for finance (admin) and customer tokens")
    return principal


ReaderDep = Annotated[Principal, Depends(require_reader)]


def ensure_may_see(principal: Principal, account: str, not_found: str = "not found") -> None:
    """A customer asking for another account's resource gets the very 404 of a resource that does
    not exist (same code, message and details), so it learns nothing (API.md "Auth")."""
    if not principal.may_see(account):
        raise NotFound(not_found)
