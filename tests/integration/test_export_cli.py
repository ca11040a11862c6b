"""``billing export xlsx|fec|sepa`` on the test database (SQLite and PostgreSQL), through typer."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from support.foundation_helpers import close_february, signed_up
from typer.testing import CliRunner

from billing.bootstrap import Container
from billing.cli import app
from exports.fec import check_fec
from ledger.clock import FixedClock


@pytest.fixture
def cli_env(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_DATABASE_URL", container.settings.database_url)
    monkeypatch.setenv("BILLING_STORAGE_DIR", str(container.settings.storage_dir))
    monkeypatch.setenv("BILLING_SEPA_CREDITOR_ID", "FR72ZZZ123456")
    monkeypatch.setenv("BILLING_SEPA_CREDITOR_IBAN", "FR7630006000011234567890189")


def test_the_cli_writes_the_workbook_and_the_fec(
    container: Container, clock: FixedClock, cli_env: None, tmp_path: Path
) -> None:
    signed_up(container, "acme")
    number = close_february(container, clock)[0]["number"]
    runner = CliRunner()
    result = runner.invoke(app, ["export", "fec", "2026", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    fec = (tmp_path / "820015006FEC20261231.txt").read_bytes()
    assert check_fec(fec, 2026) == [] and number.encode() in fec
    result = runner.invoke(app, ["export", "xlsx", "--from", "2026-03", "--to", "2026-03", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "factures-2026-03-2026-03.xlsx")
    assert book["Factures et avoirs"]["A2"].value == number
    # 1367.15 TTC in the total row (February: 1139.29 HT + 227.86 VAT)
    assert book["Factures et avoirs"]["L3"].value == 1367.15


def test_the_cli_reports_a_refused_export_and_exits_1(
    container: Container, clock: FixedClock, cli_env: None, tmp_path: Path
) -> None:
    signed_up(container, "acme")
    close_february(container, clock)
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(app, ["export", "sepa", "2026-01-02", "--out", str(out)])  # long past
    assert result.exit_code == 1
    assert "in the past" in result.output
    result = runner.invoke(app, ["export", "xlsx", "--from", "2026-04", "--to", "2026-03", "--out", str(out)])
    assert result.exit_code == 1 and "reversed" in result.output
    assert list(out.iterdir()) == []  # nothing half-written


def test_the_workbook_progress_knows_each_sheets_total(container: Container, clock: FixedClock) -> None:
    """Issue 19.6: every progress bar has a total. February: one invoice of two lines (plan, installation)."""
    import io

    from billing.commands.exports import WorkbookPeriod

    signed_up(container, "acme")
    close_february(container, clock)
    seen: dict[str, tuple[int, int | None]] = {}

    def progress(sheet: str, rows: int, total: int | None) -> None:
        done, _ = seen.get(sheet, (0, None))
        seen[sheet] = (done + rows, total)

    container.workbook.write(WorkbookPeriod.from_request("2026-03", "2026-03"), io.BytesIO(), progress)
    assert seen["Factures et avoirs"] == (1, 1)
    assert seen["Lignes"] == (2, 2)
    assert seen["Paiements"] == (0, 0)
    assert all(done == total for done, total in seen.values()), seen
