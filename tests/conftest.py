"""Shared fixtures: the injectable clock, and a real database per test on SQLite and PostgreSQL.

PostgreSQL tests use one fresh database per run (created here, dropped at the end) on the server
at ``BILLING_TEST_PG_URL`` (default postgresql://postgres@127.0.0.1:5432/test), and reset its
schema before each test. No database, broker or server is mocked.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from billing.api.app import create_app
from billing.bootstrap import Container, bootstrap
from billing.settings import Settings
from ledger.clock import PARIS, FixedClock

PG_SERVER_URL = os.environ.get("BILLING_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run."""
    name = f"billing_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_SERVER_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_SERVER_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_pg_schema(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> Settings:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/billing.db"
    else:
        url = request.getfixturevalue("pg_url")
        reset_pg_schema(url)
    return Settings(database_url=url, admin_token=ADMIN_TOKEN, storage_dir=tmp_path / "documents")


@pytest.fixture
def clock() -> FixedClock:
    """Noon in Paris on 12 February 2026; tests move it."""
    return FixedClock(datetime(2026, 2, 12, 12, 0, tzinfo=PARIS))


@pytest.fixture
def container(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    built = bootstrap(settings, clock, migrate=True)
    yield built
    built.close()


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    """The real ASGI app with its in-process job worker, on the test's database and clock."""
    app = create_app(lambda: bootstrap(settings, clock, migrate=True), background=False)
    with TestClient(app) as test_client:
        yield test_client
