"""Foundation, read models: projected exactly once by concurrent projectors, rebuilt identically, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from support.factories import usage_events
from support.foundation_helpers import close_february, count, dump, ingest, signed_up

from billing.bootstrap import Container, bootstrap, create_read_model_engine
from billing.commands.accounts import AcceptOption, RecordIntervention, RecordSupportHours
from billing.commands.payments import RecordPayment
from billing.persistence import tables as t
from billing.persistence.handlers import register_handlers
from billing.persistence.projections import ReadModelProjector
from billing.settings import Settings
from ledger.clock import FixedClock

ACCOUNTS = ("acme", "globex", "initech")


def busy_history(container: Container, clock: FixedClock) -> None:
    """Grid, three customers, usage, hours, a closed February and payments on its invoices."""
    signed_up(container, *ACCOUNTS)
    for account in ACCOUNTS:
        # 4 batches of 25 events × 40 credits = 4,000 credits per account in February.
        for batch in range(4):
            ingest(container, usage_events(account, 25, credits=40, prefix=f"b{batch}"))
    container.accounts.accept_option("acme", AcceptOption("advanced_support", "AS4", date(2026, 2, 10)))
    container.accounts.record_support_hours("acme", RecordSupportHours(date(2026, 2, 11), Decimal("2.5")))
    container.accounts.record_intervention("globex", RecordIntervention(date(2026, 2, 11), Decimal("1.5"), "export"))
    invoices = close_february(container, clock)
    for invoice in invoices:
        for i in range(3):
            container.payments.record(invoice["account"], RecordPayment(
                invoice["number"], "100.00", "2026-03-02", "transfer", reference=f"{invoice['number']}-{i}"))


def test_two_concurrent_projectors_apply_each_event_exactly_once(
    container: Container, settings: Settings, clock: FixedClock
) -> None:
    second_engine = create_read_model_engine(settings)
    second = ReadModelProjector(container.ledger, second_engine)
    register_handlers(second)
    stop = threading.Event()
    errors: list[BaseException] = []

    def follow(projector: ReadModelProjector) -> None:
        while not stop.is_set():
            try:
                projector.catch_up()
            except BaseException as exc:
                errors.append(exc)
                return

    threads = [threading.Thread(target=follow, args=(p,)) for p in (container.projector, second, second)]
    for thread in threads:
        thread.start()
    try:
        busy_history(container, clock)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    container.projector.catch_up()
    assert container.projector.position() == container.ledger.recorder.max_notification_id()
    concurrent = dump(container.engine)

    # Usage: 3 accounts × 4,000 credits, each batch counted once.
    with container.engine.connect() as conn:
        credits = dict(conn.execute(
            select(t.usage_monthly.c.account, func.sum(t.usage_monthly.c.credits)).group_by(t.usage_monthly.c.account)
        ).all())
        paid = dict(conn.execute(select(t.invoices.c.account, t.invoices.c.paid)).all())
    assert credits == {account: 4000 for account in ACCOUNTS}
    # Payments: 3 invoices × 3 payments of 100.00 = 9 rows; 300.00 paid on each invoice.
    assert count(container.engine, t.payments) == 9
    assert {a: Decimal(p) for a, p in paid.items()} == {a: Decimal("300.00") for a in ACCOUNTS}
    assert count(container.engine, t.support_hours) == 1
    assert count(container.engine, t.interventions) == 1
    assert count(container.engine, t.accounts) == 3

    # What one projector alone makes of the same ledger.
    container.projector.reset()
    container.projector.catch_up()
    assert dump(container.engine) == concurrent
    second_engine.dispose()


def test_rebuilding_the_read_models_gives_identical_tables(container: Container, clock: FixedClock) -> None:
    busy_history(container, clock)
    container.projector.catch_up()
    before = dump(container.engine)
    assert before["invoices"] and before["payments"] and before["usage_monthly"]

    # What `billing rebuild-read-models` does.
    container.projector.reset()
    assert count(container.engine, t.invoices) == 0
    container.projector.catch_up()
    assert dump(container.engine) == before


def test_a_step_reads_no_more_stored_events_than_its_byte_budget(container: Container, clock: FixedClock) -> None:
    """After a backlog, a step holds at most ``step_bytes`` of stored events (one at least), and
    projecting in such small steps gives the same read models as big ones."""
    busy_history(container, clock)
    container.projector.catch_up()
    before = dump(container.engine)
    stored = container.ledger.recorder.select_notifications(start=None, limit=10_000)
    sizes = container.ledger.notification_sizes(0, 10_000)
    assert sizes == [len(n.state) for n in stored]  # one size per stored event, in log order
    # A usage batch of 25 events is the biggest event here; a budget of 2 such batches is a few KB.
    budget = 2 * max(sizes)

    small = ReadModelProjector(container.ledger, container.engine, step_bytes=budget)
    register_handlers(small)
    small.reset()
    steps: list[int] = []
    position = 0
    while applied := small.step():
        read = sizes[position : position + applied]
        assert applied == 1 or sum(read) <= budget, (applied, read)
        # the step stopped where the next event would have passed the budget
        assert position + applied == len(sizes) or sum(sizes[position : position + applied + 1]) > budget
        position += applied
        steps.append(applied)
    assert position == len(stored) and len(steps) > 3
    assert dump(container.engine) == before

    # A budget smaller than any event still moves on, one event a step.
    tiny = ReadModelProjector(container.ledger, container.engine, step_bytes=1)
    register_handlers(tiny)
    tiny.reset()
    assert [tiny.step() for _ in range(3)] == [1, 1, 1]


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    billing = Path(sys.executable).parent / "billing"
    return subprocess.run([str(billing), *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_the_cli_migrates_and_rebuilds_the_read_models(tmp_path: Path, clock: FixedClock) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    env = {**os.environ, "BILLING_DATABASE_URL": url, "BILLING_STORAGE_DIR": str(tmp_path / "docs")}
    migrated = run_cli("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    settings = Settings(database_url=url, admin_token="x", storage_dir=tmp_path / "docs")

    container = bootstrap(settings, clock, migrate=False)  # the tables exist: the CLI made them
    try:
        busy_history(container, clock)
        container.projector.catch_up()
        before = dump(container.engine)
        events = container.ledger.recorder.max_notification_id()
    finally:
        container.close()

    rebuilt = run_cli("rebuild-read-models", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"replayed {events} events" in rebuilt.stdout

    again = bootstrap(settings, clock, migrate=False)
    try:
        assert dump(again.engine) == before
    finally:
        again.close()
