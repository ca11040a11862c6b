"""Races on money (issue 12), on SQLite and PostgreSQL: files and payments written at the same time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from support.foundation_helpers import close_february, signed_up
from test_ledger_persistence import race

from billing.bootstrap import Container
from billing.commands.exports import ExportSepa
from billing.commands.payments import RecordPayment
from billing.persistence import tables as t
from ledger.clock import PARIS, FixedClock
from ledger.errors import Conflict


def with_creditor(container: Container) -> None:
    container.settings.sepa_creditor_id = "FR72ZZZ123456"
    container.settings.sepa_creditor_iban = "FR7630006000011234567890189"


def test_files_for_different_dates_written_together_never_share_an_invoice(
    container: Container, clock: FixedClock
) -> None:
    signed_up(container, "acme", "bravo", "charlie")
    invoices = close_february(container, clock)
    assert len(invoices) == 3  # three February invoices of 1367.15, due 2026-04-01
    with_creditor(container)
    clock.set(datetime(2026, 3, 30, 9, 0, tzinfo=PARIS))
    days = ["2026-04-01", "2026-04-02", "2026-04-07", "2026-04-08"]
    results = race(len(days), lambda i: container.exports.export_file(ExportSepa(date.fromisoformat(days[i]))))
    files = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    # Whoever wins takes the three invoices; the others find nothing left to collect.
    assert len(files) == 1 and files[0].debits == 3, results
    assert len(refused) == 3 and all(isinstance(r, Conflict) for r in refused), refused
    container.projector.catch_up()
    with container.engine.connect() as conn:
        debits = conn.execute(select(t.sepa_debits.c.invoice)).scalars().all()
    assert sorted(debits) == sorted(i["number"] for i in invoices)


def test_concurrent_payments_never_apply_more_than_is_due(container: Container, clock: FixedClock) -> None:
    signed_up(container, "acme")
    number = close_february(container, clock)[0]["number"]
    # Four payments of 500.00 at once on 1367.15 due: 1367.15 applied in all, 632.85 unapplied.
    results = race(4, lambda i: container.payments.record(
        "acme", RecordPayment(number, "500.00", "2026-03-20", "transfer", reference=f"VIR-{i}")))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(Decimal(r["applied"]) for r in results) == Decimal("1367.15")
    assert sum(Decimal(r["unapplied"]) for r in results) == Decimal("632.85")
    container.projector.catch_up()
    with container.engine.connect() as conn:
        paid = conn.execute(select(t.invoices.c.paid).where(t.invoices.c.number == number)).scalar_one()
        unapplied = conn.execute(select(t.unapplied_credits.c.amount)).scalars().all()
    assert Decimal(paid) == Decimal("1367.15")
    assert sum(unapplied, Decimal(0)) == Decimal("632.85")
