"""The CLI's known problems are one clear line, not a traceback; `billing token create` makes a token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import reset_pg_schema


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    billing = Path(sys.executable).parent / "billing"
    return subprocess.run([str(billing), *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]


def sqlite_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "BILLING_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
            "BILLING_STORAGE_DIR": str(tmp_path / "docs")}


def test_closing_a_month_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    for month in ("2026-13", "0000-01", "26-02", "2026-02-01"):
        line = one_error_line(run_cli("close", month, env=sqlite_env(tmp_path)))
        assert "YYYY-MM" in line


@pytest.mark.postgres
def test_serving_or_closing_on_an_unmigrated_postgresql_is_one_line(pg_url: str, tmp_path: Path) -> None:
    reset_pg_schema(pg_url)
    env = {**os.environ, "BILLING_DATABASE_URL": pg_url, "BILLING_STORAGE_DIR": str(tmp_path / "docs")}
    assert "billing migrate" in one_error_line(run_cli("serve", "--port", "0", env=env))
    assert "billing migrate" in one_error_line(run_cli("close", "2026-02", env=env))
    unreachable = {**env, "BILLING_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"}
    assert "cannot use the database" in one_error_line(run_cli("serve", env=unreachable))


def test_billing_token_create_makes_a_token_the_api_accepts(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path)
    assert run_cli("migrate", env=env).returncode == 0
    made = run_cli("token", "create", "--role", "ingest", env=env)
    assert made.returncode == 0, made.stderr
    fields = dict(line.split(": ", 1) for line in made.stdout.strip().splitlines())
    assert set(fields) == {"id", "token"}
    assert "customer token is bound" in one_error_line(run_cli("token", "create", "--role", "customer", env=env))

    from billing.bootstrap import bootstrap
    from billing.settings import Settings

    container = bootstrap(Settings(database_url=env["BILLING_DATABASE_URL"], admin_token="x",
                                   storage_dir=tmp_path / "docs"), migrate=False)
    try:
        principal = container.tokens.authenticate(fields["token"])
        assert principal is not None and principal.role == "ingest"
    finally:
        container.close()


def test_an_export_on_a_database_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    """Issue 19.6: the pool's traceback becomes one line naming the database, exit status 1."""
    env = {**os.environ, "BILLING_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
           "BILLING_STORAGE_DIR": str(tmp_path / "docs")}
    assert "cannot use the database" in one_error_line(run_cli("export", "fec", "2026", "--out", str(tmp_path), env=env))
