"""Property (BILLING_RULES §7), through the real close on SQLite and PostgreSQL: for any sequence of
usage reports before and after closes, the overage billed for a month over all invoices equals the
overage of that month's total credits at its own cap."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.factories import GRID_2026_A, contract, customer

from billing.bootstrap import bootstrap
from billing.commands.accounts import RegisterCustomer, SignContract
from billing.commands.closing import CloseMonth
from billing.settings import Settings
from ledger.clock import PARIS, FixedClock
from ledger.grid_catalogue import grid_from_dict
from ledger.months import Month
from pricing.proration import overage_blocks

MONTHS = [Month(2026, 2), Month(2026, 3), Month(2026, 4), Month(2026, 5)]


def start_overage(credits: int) -> Decimal:
    """START, a full month: ceil(max(0, credits − 5,000) / 1,000) × 4.00 (§5.4)."""
    return Decimal(4 * overage_blocks(max(0, credits - 5_000), 1_000)).quantize(Decimal("0.01"))


reports = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(1, 4_000)).map(
        lambda r: (r[0], max(r[0], r[1]), r[2])  # (stamped in month, reported before the close of, credits)
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reports=reports)
def test_the_overage_billed_for_a_month_is_its_overage_at_its_own_cap_whenever_usage_is_reported(
    reports: list[tuple[int, int, int]], backend: str, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db"
    else:
        from conftest import reset_pg_schema

        url = request.getfixturevalue("pg_url")
        reset_pg_schema(url)
    clock = FixedClock(datetime(2026, 1, 20, 12, 0, tzinfo=PARIS))
    container = bootstrap(Settings(database_url=url, admin_token="t", storage_dir=tmp_path / "docs"), clock,
                          migrate=True)
    try:
        container.catalogue.publish(grid_from_dict(GRID_2026_A))
        container.accounts.register(RegisterCustomer.from_request(customer("acme")))
        container.accounts.sign_contract("acme", SignContract.from_request(contract(
            "2026-02-01", plan="START", installation_fee="0.00", payment_method="transfer", mandate=None)))
        for close, month in enumerate(MONTHS):
            after = month.next()
            clock.set(datetime(after.year, after.month, 1, 12, 0, tzinfo=PARIS))  # month ended, not closed
            events = [
                {"id": f"e{i}", "account": "acme", "credits": credits,
                 "at": datetime(MONTHS[origin].year, MONTHS[origin].month, 15, 10, 0, tzinfo=PARIS).isoformat()}
                for i, (origin, when, credits) in enumerate(reports) if when == close
            ]
            if events:
                container.usage.ingest(json.dumps({"events": events}).encode())
            clock.set(datetime(after.year, after.month, 2, 12, 0, tzinfo=PARIS))
            container.closing.request_close(CloseMonth(month, f"{after.year}-{after.month:02d}-02"))
            assert container.closing.month_state(str(month))["status"] == "closed"
        billed: defaultdict[str, Decimal] = defaultdict(Decimal)
        for invoice in container.invoices.list(month=None, account="acme"):
            for line in invoice["lines"]:
                if line["kind"] == "overage":
                    billed[line.get("period") or invoice["month"]] += Decimal(line["amount"])
        for origin in range(3):
            total = sum(c for o, _when, c in reports if o == origin)
            assert billed[str(MONTHS[origin])] == start_overage(total), (origin, total, dict(billed))
    finally:
        container.close()
