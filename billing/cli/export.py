"""``billing export sepa|xlsx|fec``: the exports of API.md "Exports" from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ledger.errors import BillingError

if TYPE_CHECKING:
    from billing.bootstrap import Container

export_app = typer.Typer(help="Exports: SEPA direct-debit files, the accountants' workbook, the FEC",
                         no_args_is_help=True)
console = Console(width=160, stderr=True)


@contextmanager
def _container() -> Iterator[Container]:
    from billing.bootstrap import bootstrap

    container = bootstrap()
    try:
        yield container
    except BillingError as exc:
        console.print(f"[red]error[/red] ({exc.code}): {exc.message}")
        if exc.details:
            console.print(exc.details)
        raise typer.Exit(1) from None
    finally:
        container.close()


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


@export_app.command("sepa")
def sepa(
    collection_date: str = typer.Argument(..., help="YYYY-MM-DD, a TARGET2 business day"),
    scheme: str = typer.Option("CORE", help="CORE or B2B"),
    version: str = typer.Option("pain.008.001.08", help="pain.008.001.08 or pain.008.001.02"),
    out: Path = typer.Option(Path("."), help="directory to write the file to"),
) -> None:
    """Write the pain.008 file of a collection date (the same file again for the same date)."""
    from billing.commands.exports import ExportSepa
    from ledger.input_checks import require_date

    with _container() as container, _progress() as progress:
        task = progress.add_task("selecting, writing and validating (XSD)", total=1)
        command = ExportSepa(require_date(collection_date, "collection_date"), scheme, version)
        file = container.exports.export_file(command)
        progress.update(task, total=1, completed=1)
    out.mkdir(parents=True, exist_ok=True)
    (out / file.name).write_bytes(file.content)
    console.print(f"{out / file.name}: {file.debits} debits, {file.total:.2f} EUR")
    for held in file.held:
        console.print(f"  held back: {held.invoice} ({held.reason})")


@export_app.command("xlsx")
def xlsx(
    start: str = typer.Option(..., "--from", help="YYYY-MM, first issue month"),
    end: str = typer.Option(..., "--to", help="YYYY-MM, last issue month"),
    out: Path = typer.Option(Path("."), help="directory to write the workbook to"),
) -> None:
    """Write the accountants' workbook, with a progress bar per sheet."""
    from billing.commands.exports import WorkbookPeriod

    out.mkdir(parents=True, exist_ok=True)
    target = out / "invoices.xlsx.part"
    try:
        with _container() as container, _progress() as progress, open(target, "wb") as handle:
            tasks: dict[str, Any] = {}

            def advance(sheet: str, rows: int, total: int | None) -> None:
                if sheet not in tasks:
                    tasks[sheet] = progress.add_task(sheet, total=total)
                progress.advance(tasks[sheet], rows)

            name = container.workbook.write(WorkbookPeriod.from_request(start, end), handle, advance)
        target.replace(out / name)
    finally:
        target.unlink(missing_ok=True)  # nothing half-written is left behind
    console.print(f"{out / name}")


@export_app.command("fec")
def fec(
    year: str = typer.Argument(..., help="YYYY"),
    out: Path = typer.Option(Path("."), help="directory to write the file to"),
) -> None:
    """Write the FEC of a year under its legal name ({SIREN}FEC{YYYY}1231.txt)."""
    from billing.commands.exports import FecYear

    with _container() as container, _progress() as progress:
        task = progress.add_task(f"FEC {year}", total=1)
        name, content = container.fec.export(FecYear.from_request(year))
        progress.update(task, total=1, completed=1)
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(content)
    lines = content.count(b"\n") - 1
    console.print(f"{out / name}: {lines} lines")
