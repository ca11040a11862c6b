"""``billing``: migrate, serve, worker, close a month, rebuild read models, load the demo, exports."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from billing.cli.export import export_app
from billing.cli.rates import rates_app
from billing.settings import load_settings

if TYPE_CHECKING:
    from billing.bootstrap import Container

app = typer.Typer(help="Flexio Billing", no_args_is_help=True, add_completion=False)
console = Console(width=160)
app.add_typer(export_app, name="export")
app.add_typer(rates_app, name="late-payment-rates")


@app.command()
def migrate() -> None:
    """Create the event tables and apply the read-model migrations (Alembic)."""
    from billing.persistence.migrate import migrate as run

    settings = load_settings()
    run(settings)
    console.print(f"migrated {settings.database_url}")


def fail(message: str) -> typer.Exit:
    """One clear line on stderr and exit status 1 (no traceback for a known problem)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def require_database() -> None:
    from billing.runtime.preflight import database_problem

    problem = database_problem(load_settings())
    if problem:
        raise fail(problem)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API (billing.api:app) with uvicorn."""
    import uvicorn

    require_database()
    uvicorn.run("billing.api:app", host=host, port=port, workers=workers, log_level="info")


@app.command()
def worker(processes: int = 1, threads: int = 2) -> None:
    """Run Dramatiq workers for the configured broker (BILLING_BROKER_URL)."""
    os.execvp(
        sys.executable,
        [sys.executable, "-m", "dramatiq", "billing.worker", "-p", str(processes), "-t", str(threads)],
    )


@app.command("rebuild-read-models")
def rebuild_read_models() -> None:
    """Rebuild the read models from the ledger; the old ones are replaced only if every event projects."""
    from billing.bootstrap import bootstrap
    from billing.persistence.projections import HandlerFailed

    container = bootstrap(migrate=False)
    started = time.perf_counter()
    try:
        applied = container.projector.rebuild()
    except HandlerFailed as failed:
        f = failed.failure
        console.print(
            f"rebuild failed at notification {f.position} ({f.event}, event {f.event_id}): {f.error}; "
            "the read models were left as they were"
        )
        raise typer.Exit(1) from None
    finally:
        container.close()
    console.print(f"replayed {applied} events in {time.perf_counter() - started:.2f} s")


projection_app = typer.Typer(help="The read-model projection", no_args_is_help=True)
app.add_typer(projection_app, name="projection")


@projection_app.command("status")
def projection_status() -> None:
    """Print GET /v1/admin/projection's JSON; exit 1 while the projector is stopped at an event (issue 17).

    This process runs no projector thread: it first projects what it can (bounded by
    BILLING_READ_MODEL_WAIT), which is how it finds out whether the next event projects.
    """
    import json

    from billing.bootstrap import bootstrap

    require_database()
    container = bootstrap(migrate=False)
    try:
        status = container.read_models.status(catch_up=True)
    finally:
        container.close()
    typer.echo(json.dumps(status, indent=2))
    if status["stopped"]:
        raise typer.Exit(1)


@app.command("render-documents")
def render_documents() -> None:
    """Render, validate (Factur-X) and store the PDFs of every issued invoice and credit note still pending."""
    from billing.bootstrap import bootstrap

    container = bootstrap()
    started = time.perf_counter()
    result = container.documents.render_pending()
    console.print(f"{result['stored']} stored, {result['rejected']} rejected in {time.perf_counter() - started:.1f} s")
    container.close()


@app.command()
def close(month: str, issue_date: str = typer.Option(None, help="YYYY-MM-DD, default today")) -> None:
    """Close a month in this process and print what was issued."""
    from billing.bootstrap import bootstrap
    from billing.commands.closing import CloseMonth
    from ledger.errors import BillingError

    try:
        command = CloseMonth.from_request(month, issue_date)
    except BillingError as exc:
        raise fail(f"{exc.message} (expected YYYY-MM, e.g. 2026-02)") from None
    require_database()
    container = bootstrap()
    try:
        state = container.closing.request_close(command)
        if state["status"] != "closed":
            container.closing.run_close(month)
        print_invoices(container, month)
        final = container.closing.month_state(month)
    except BillingError as exc:
        raise fail(exc.message) from None
    finally:
        container.close()
    if final["status"] == "failed":  # §7: say why; `billing close` again resumes it
        raise fail(f"close of {month} failed: {final.get('error')}")


token_app = typer.Typer(help="API tokens", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    role: str = typer.Option(..., help="admin | ingest | customer"),
    account: str = typer.Option(None, help="the account of a customer token"),
) -> None:
    """Make an API token and print it (shown once; only its hash is kept)."""
    from billing.bootstrap import bootstrap
    from ledger.errors import BillingError

    require_database()
    container = bootstrap()
    try:
        made = container.tokens.create(role, account)
    except BillingError as exc:
        raise fail(exc.message) from None
    finally:
        container.close()
    typer.echo(f"id: {made['id']}")
    typer.echo(f"token: {made['token']}")


@app.command()
def demo() -> None:
    """Load the demo data set (grid, a dozen customers, three months of usage) and close past months."""
    from billing.bootstrap import bootstrap
    from billing.cli.demo import load_demo

    container = bootstrap()
    for month in load_demo(container):
        print_invoices(container, month)
    container.close()


@app.command()
def audit(
    rebuild: bool = typer.Option(True, help="also rebuild the read models into a scratch copy and compare"),
    pending_documents: bool = typer.Option(True, help="a document not rendered yet is not a difference"),
) -> None:
    """Check the invariants over the real outputs (FEC, workbook, SEPA files, receivables, documents); print
    {"ok", "checked", "differences"} (API.md) and exit 1 when not ok. Finance runs it after each close."""
    import json

    from billing.bootstrap import bootstrap
    from ledger.errors import BillingError

    require_database()
    container = bootstrap()
    try:
        result = container.audit.run(rebuild=rebuild, pending_documents=pending_documents)
    except BillingError as exc:
        raise fail(exc.message) from None
    finally:
        container.close()
    typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    if not result.ok:
        raise typer.Exit(1)


mail_app = typer.Typer(help="The compta@flexio.fr mailbox (issue 13)", no_args_is_help=True)
app.add_typer(mail_app, name="mail")


@mail_app.command("poll")
def mail_poll() -> None:
    """Poll BILLING_IMAP_URL once: record every message as a case, move it to the processed folder,
    then send the acknowledgments that are due."""
    from billing.bootstrap import bootstrap
    from billing.mail.acknowledgments import outbox_for, send_due_acknowledgments
    from billing.mail.imap import poll_mailbox

    container = bootstrap()
    try:
        if not container.settings.imap_url:
            console.print("BILLING_IMAP_URL is empty: nothing to poll")
            raise typer.Exit(2)
        result = poll_mailbox(container.settings.imap_url, container.cases)
        acknowledged = send_due_acknowledgments(container.cases, outbox_for(container.cases))
        console.print(
            f"{result.seen} messages seen, {result.recorded} recorded, {result.moved} moved to the processed folder, "
            f"{result.unreadable} unreadable, {result.quarantined} quarantined; {acknowledged} acknowledgments sent"
        )
    finally:
        container.close()


def print_invoices(container: Container, month: str) -> None:
    invoices = container.invoices.list(month=month)
    table = Table(title=f"Invoices issued for {month}")
    for column in ("number", "account", "issue date", "HT", "VAT", "TTC", "lines"):
        table.add_column(column, justify="right" if column in ("HT", "VAT", "TTC") else "left")
    for inv in invoices:
        table.add_row(
            inv["number"], inv["account"], inv["issue_date"], inv["total_ht"], inv["total_vat"], inv["total_ttc"],
            ", ".join(line["kind"] for line in inv["lines"]),
        )
    console.print(table)


def main() -> None:
    """The ``billing`` command: a database that cannot be reached is one line on stderr, exit 1."""
    from billing.runtime.database_errors import database_away

    try:
        app()
    except Exception as exc:
        if not database_away(exc):
            raise
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        typer.echo(f"error: cannot use the database ({reason[0] if reason else type(exc).__name__})", err=True)
        sys.exit(1)

