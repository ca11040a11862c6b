"""One place that builds the service: settings, clock, ledger, read-model engine, projector, the
broker and its jobs, services.

Nothing is built at import time (STYLE.md). The API's lifespan, the worker, the CLI and the tests
call :func:`bootstrap`, each with the settings and clock it needs; what runs beside requests (the
jobs, the mailbox poll, the projection thread) starts with :meth:`Container.start` and stops with
:meth:`Container.close`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event

from billing.jobs import Jobs, make_broker
from billing.mail.outgoing import Mailer
from billing.mail.poll_turn import DatabasePollTurn
from billing.pa import flow_service_client
from billing.persistence.eventstore import Ledger, open_ledger
from billing.persistence.handlers import register_handlers
from billing.persistence.idempotency import IdempotencyStore
from billing.persistence.json_codec import ENGINE_JSON_CODEC
from billing.persistence.projections import ProjectorThread, ReadModelProjector
from billing.persistence.queries.accounts import SqlAccountQueries
from billing.persistence.queries.audit import SqlAuditQueries
from billing.persistence.queries.cases import SqlCaseQueries, SqlMessageStore
from billing.persistence.queries.closing import SqlClosingQueries
from billing.persistence.queries.corrections import SqlCorrectionQueries
from billing.persistence.queries.credit_notes import SqlCreditNoteQueries
from billing.persistence.queries.direct_debit import SqlDirectDebitQueries
from billing.persistence.queries.documents import SqlDocumentQueries
from billing.persistence.queries.fec import SqlFecQueries
from billing.persistence.queries.invoices import SqlInvoiceReads
from billing.persistence.queries.pages import SqlConsoleQueries, SqlDirectoryQueries, SqlJobStates, SqlSessionStore
from billing.persistence.queries.payments import SqlPaymentQueries
from billing.persistence.queries.price_grids import SqlGridGuardQueries
from billing.persistence.queries.quarantine import SqlQuarantineQueries
from billing.persistence.queries.receivables import SqlReceivableQueries
from billing.persistence.queries.signals import SqlSignalQueries
from billing.persistence.queries.tokens import SqlTokenStore
from billing.persistence.queries.usage import SqlUsageQueries
from billing.persistence.queries.workbook import SqlWorkbookQueries
from billing.persistence.read_models import ProjectedReadModels
from billing.runtime.clock import SystemClock
from billing.services.accounts import AccountService
from billing.services.audit import AuditService
from billing.services.case_intake import CaseIntake
from billing.services.cases import CaseService
from billing.services.catalogue import CatalogueService
from billing.services.closing import ClosingService
from billing.services.console_views import ConsoleViews
from billing.services.corrections import CorrectionService
from billing.services.credit_notes import CreditNoteService
from billing.services.directory import DirectoryService
from billing.services.documents import DocumentService
from billing.services.exports import FecExportService, SepaExportService, WorkbookExportService
from billing.services.invoice_queries import InvoiceQueries
from billing.services.late_payment_rates import LatePaymentRateService
from billing.services.mailing import MailService
from billing.services.pa_lifecycle import PaLifecycleService
from billing.services.pa_transmission import PaTransmissionService
from billing.services.page_sessions import PageSessionService
from billing.services.payments import PaymentService
from billing.services.receivables import ReceivableService
from billing.services.service_levels import ServiceLevelService
from billing.services.signals import SignalService
from billing.services.tokens import TokenService
from billing.services.usage import UsageService
from billing.services.vat_rates import VatRateService
from billing.settings import Settings, load_settings
from ledger.clock import Clock


def create_read_model_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            settings.sqlalchemy_url, connect_args={"timeout": 30, "check_same_thread": False}, **ENGINE_JSON_CODEC
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(
        settings.sqlalchemy_url, pool_size=settings.postgres_pool_size, max_overflow=10, pool_pre_ping=True,
        **ENGINE_JSON_CODEC,
    )


@dataclass
class Container:
    settings: Settings
    clock: Clock
    ledger: Ledger
    engine: Engine
    projector: ReadModelProjector
    read_models: ProjectedReadModels
    tokens: TokenService
    catalogue: CatalogueService
    accounts: AccountService
    usage: UsageService
    closing: ClosingService
    invoices: InvoiceQueries
    idempotency: IdempotencyStore
    cases: CaseService
    service_levels: ServiceLevelService
    signals: SignalService
    exports: SepaExportService
    workbook: WorkbookExportService
    fec: FecExportService
    payments: PaymentService
    receivables: ReceivableService
    documents: DocumentService
    credit_notes: CreditNoteService
    mail: MailService
    jobs: Jobs
    corrections: CorrectionService
    vat_rates: VatRateService
    late_payment_rates: LatePaymentRateService
    audit: AuditService  # issue 18: the invariants over the real outputs
    directory: DirectoryService  # issue 23: the console's lists and the job states
    sessions: PageSessionService  # issue 23: portal sign-in links and page sessions
    console: ConsoleViews  # issue 23: what the console's pages show (account page, rejected documents)
    pa_lifecycle: PaLifecycleService  # issue 22: the lifecycle statuses a plateforme agréée reports
    pa_transmission: PaTransmissionService  # issue 22: documents sent to it (no client: nothing sent)
    background: list[Any] = field(default_factory=list)

    def start(self, *, projection: bool = True) -> None:
        """Start what runs beside requests: the jobs (in this process when no broker is configured),
        the mailbox poll chain when BILLING_IMAP_URL is set, and the projection thread."""
        self.jobs.start(in_process_worker=not self.settings.broker_url, poll_mailbox=bool(self.settings.imap_url))
        if projection:
            self.start_background_projection()

    def start_background_projection(self) -> None:
        thread = ProjectorThread(self.projector)
        thread.start()
        self.background.append(thread)

    def close(self) -> None:
        self.jobs.stop()
        for worker in self.background:
            worker.stop()
        for worker in self.background:
            worker.join(timeout=5)
        self.background.clear()
        self.pa_transmission.close()
        self.ledger.close()
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None, clock: Clock | None = None, *, migrate: bool | None = None, jobs: Jobs | None = None
) -> Container:
    """Build the service. ``migrate`` defaults to the ``BILLING_AUTO_MIGRATE`` setting; ``jobs`` is the
    worker process's (its actors already declared), otherwise they are declared on a new broker."""
    settings = settings or load_settings()
    clock = clock or SystemClock()
    if migrate if migrate is not None else settings.auto_migrate:
        from billing.persistence.migrate import migrate as run_migrations

        run_migrations(settings)
    container: Container | None = None

    def services() -> Container:
        """What the actors call; a job is handled only after start(), so the container exists."""
        if container is None:
            raise RuntimeError("a job arrived before bootstrap finished")
        return container

    jobs = jobs or Jobs(make_broker(settings), services)
    ledger = open_ledger(settings)
    engine = create_read_model_engine(settings)
    projector = ReadModelProjector(ledger, engine, clock=clock)
    register_handlers(projector)
    read_models = ProjectedReadModels(projector, settings.read_model_wait)
    catalogue = CatalogueService(ledger, SqlGridGuardQueries(engine), read_models, clock)
    accounts = AccountService(ledger, SqlAccountQueries(engine), read_models, catalogue, clock)
    usage = UsageService(ledger, SqlUsageQueries(engine), read_models, clock)
    closing = ClosingService(settings, ledger, SqlClosingQueries(engine), read_models, catalogue, clock, jobs)
    documents = DocumentService(settings, ledger, SqlDocumentQueries(engine), read_models, clock, jobs)
    credit_notes = CreditNoteService(settings, ledger, SqlCreditNoteQueries(engine), read_models, documents, clock)
    tokens = TokenService(SqlTokenStore(engine), clock, settings.admin_token)
    case_queries, case_messages = SqlCaseQueries(engine), SqlMessageStore(engine)
    intake = CaseIntake(ledger, case_queries, case_messages, read_models, clock, jobs,
                        DatabasePollTurn(settings, engine), quarantine=SqlQuarantineQueries(engine))
    cases = CaseService(settings, ledger, case_queries, case_messages, intake, read_models, clock, accounts,
                        credit_notes=credit_notes)
    late_payment_rates = LatePaymentRateService(ledger)
    fec = FecExportService(settings, SqlFecQueries(engine), read_models)
    workbook = WorkbookExportService(SqlWorkbookQueries(engine), read_models, clock)
    receivables = ReceivableService(settings, ledger, SqlReceivableQueries(engine), read_models, clock,
                                    rates=late_payment_rates.table, render=documents.request_render)
    invoices = InvoiceQueries(SqlInvoiceReads(engine), read_models, clock)
    corrections = CorrectionService(ledger, SqlCorrectionQueries(engine), read_models, clock)
    signals = SignalService(ledger, SqlSignalQueries(engine), read_models, accounts, catalogue, usage, clock)
    sessions = PageSessionService(SqlSessionStore(engine), clock, Mailer(settings).send, tokens.is_admin_token,
                                  sender=settings.seller_email)
    container = Container(
        settings=settings,
        clock=clock,
        ledger=ledger,
        engine=engine,
        projector=projector,
        read_models=read_models,
        tokens=tokens,
        catalogue=catalogue,
        accounts=accounts,
        usage=usage,
        closing=closing,
        invoices=invoices,
        idempotency=IdempotencyStore(engine),
        cases=cases,
        service_levels=ServiceLevelService(ledger, accounts, clock),
        signals=signals,
        exports=SepaExportService(settings, ledger, SqlDirectDebitQueries(engine), read_models, clock),
        workbook=workbook,
        fec=fec,
        payments=PaymentService(ledger, SqlPaymentQueries(engine), read_models, clock),
        receivables=receivables,
        documents=documents,
        credit_notes=credit_notes,
        mail=MailService(settings, ledger, documents, clock),
        jobs=jobs,
        corrections=corrections,
        vat_rates=VatRateService(ledger),
        late_payment_rates=late_payment_rates,
        audit=AuditService(settings, SqlAuditQueries(engine, ledger), read_models, fec, workbook, receivables, clock),
        directory=DirectoryService(SqlDirectoryQueries(engine), SqlJobStates(engine), closing, read_models, clock),
        sessions=sessions,
        console=ConsoleViews(ledger, SqlConsoleQueries(engine), read_models, clock, accounts, corrections, invoices,
                             cases, receivables, signals, sessions, read_models),
        pa_lifecycle=PaLifecycleService(ledger, read_models, settings.seller_siren),
        pa_transmission=PaTransmissionService(ledger, documents, flow_service_client(settings), clock),
    )
    return container
