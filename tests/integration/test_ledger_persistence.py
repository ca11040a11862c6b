"""Foundation, persistence on SQLite and PostgreSQL: events stored, aggregates reloaded, races settled."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from support.foundation_helpers import close_february, count, signed_up

from billing.bootstrap import Container, bootstrap
from billing.commands.accounts import AcceptOption, RecordIntervention, RecordSupportHours
from billing.commands.payments import RecordPayment
from billing.persistence import tables as t
from billing.settings import Settings
from ledger.clock import FixedClock
from ledger.errors import Conflict
from ledger.money import Money


def race(n: int, work: Any) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_events_are_stored_and_aggregates_reload_after_a_new_bootstrap(
    container: Container, settings: Settings, clock: FixedClock
) -> None:
    signed_up(container, "acme")
    container.accounts.accept_option("acme", AcceptOption("advanced_support", "AS4", date(2026, 2, 10)))
    container.accounts.record_support_hours("acme", RecordSupportHours(date(2026, 2, 11), Decimal("2.5"), "setup"))
    container.accounts.record_intervention("acme", RecordIntervention(date(2026, 2, 11), Decimal("1.5"), "export"))
    stored = container.ledger.recorder.max_notification_id()
    assert stored is not None and stored > 0
    container.close()

    again = bootstrap(settings, clock, migrate=False)
    try:
        assert again.ledger.recorder.max_notification_id() == stored
        acme = again.accounts.get("acme")
        assert acme.legal_name == "ACME SAS"
        assert acme.siren == "312456783"
        assert acme.contract is not None
        assert acme.contract.plan == "PRO" and str(acme.contract.service_start) == "2026-02-10"
        assert acme.contract.installation_fee == Money.of("800.00")
        assert [(o.option, o.pack, str(o.accepted_on)) for o in acme.options] == [
            ("advanced_support", "AS4", "2026-02-10")
        ]
        assert [(str(h.on), h.hours) for h in acme.support_hours] == [("2026-02-11", Decimal("2.5"))]
        assert [(str(i.on), i.hours) for i in acme.interventions] == [("2026-02-11", Decimal("1.5"))]
        assert [g.version for g in again.catalogue.versions()] == ["2026-A"]
        # The read models survive too, and a new projector has nothing left to apply.
        assert again.projector.catch_up() == 0
        assert count(again.engine, t.accounts) == 1
        assert count(again.engine, t.support_hours) == 1
    finally:
        again.close()


def test_eight_racing_acceptances_of_one_option_have_exactly_one_winner(container: Container) -> None:
    signed_up(container, "acme")
    before = container.ledger.recorder.max_notification_id()

    results = race(8, lambda i: container.accounts.accept_option(
        "acme", AcceptOption("branding_removal", None, date(2026, 3, 1))))

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert len(losers) == 7 and all(isinstance(r, Conflict) for r in losers), losers
    # One OptionAccepted event, one option on the aggregate and in the read model.
    assert container.ledger.recorder.max_notification_id() == before + 1
    assert len(container.accounts.get("acme").options) == 1
    container.projector.catch_up()
    assert count(container.engine, t.account_options) == 1


def test_concurrent_payments_on_one_account_are_all_recorded(container: Container, clock: FixedClock) -> None:
    signed_up(container, "acme")
    invoices = close_february(container, clock)
    # February: 500 × 19/28 = 339.29 + installation 800.00 = 1139.29 HT; VAT 227.86; TTC 1367.15.
    assert [i["total_ttc"] for i in invoices] == ["1367.15"]
    number = invoices[0]["number"]

    n = 8
    results = race(n, lambda i: container.payments.record(
        "acme", RecordPayment(number, "10.00", "2026-03-02", "transfer", reference=f"VIR-{i}")))

    assert [r for r in results if isinstance(r, Exception)] == []
    acme = container.accounts.get("acme")
    assert sorted(p.reference for p in acme.payments) == sorted(f"VIR-{i}" for i in range(n))
    container.projector.catch_up()
    with container.engine.connect() as conn:
        rows = conn.execute(select(t.payments.c.reference, t.payments.c.amount)).all()
        paid = conn.execute(select(t.invoices.c.paid).where(t.invoices.c.number == number)).scalar_one()
    assert sorted(r.reference for r in rows) == sorted(f"VIR-{i}" for i in range(n))
    # 8 payments of 10.00 = 80.00, counted once each.
    assert Decimal(paid) == Decimal("80.00")
