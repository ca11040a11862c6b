"""``billing``: migrate, serve, worker, close a month, rebuild read models, load the demo."""

from __future__ import annotations

import os
import sys
import time

import typer
from rich.console import Console
from rich.table import Table

from billing.settings import load_settings

app = typer.Typer(help="Flexio Billing", no_args_is_help=True, add_completion=False)
console = Console(width=160)


@app.command()
def migrate() -> None:
    """Create the event tables and apply the read-model migrations (Alembic)."""
    from billing.migrate import migrate as run

    settings = load_settings()
    run(settings)
    console.print(f"migrated {settings.database_url}")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API (billing.api:app) with uvicorn."""
    import uvicorn

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
    """Empty the read models and replay the whole ledger into them."""
    from billing.bootstrap import bootstrap

    container = bootstrap(migrate=False)
    started = time.perf_counter()
    container.projector.reset()
    applied = container.projector.catch_up()
    console.print(f"replayed {applied} events in {time.perf_counter() - started:.2f} s")
    container.close()


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

    container = bootstrap()
    state = container.closing.request_close(month, issue_date)
    if state["status"] != "closed":
        container.closing.run_close(month)
    print_invoices(container, month)
    container.close()


@app.command()
def demo() -> None:
    """Load the demo data set (grid, a dozen customers, three months of usage) and close past months."""
    from billing.bootstrap import bootstrap
    from billing.demo import load_demo

    container = bootstrap()
    for month in load_demo(container):
        print_invoices(container, month)
    container.close()


def print_invoices(container: object, month: str) -> None:
    invoices = container.invoices.list(month=month)  # type: ignore[attr-defined]
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
    app()


if __name__ == "__main__":
    main()
