"""Account events projected in bulk (one statement per table per step) give exactly the read models
of the per-event path, for every account event type, within one step and across steps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from support.factories import GRID_2026_A, contract, customer, usage_events
from support.foundation_helpers import close_february, count, dump, ingest, signed_up

from billing.bootstrap import Container
from billing.persistence import tables as t
from billing.persistence.projections import ReadModelProjector
from ledger.account import CustomerAccount
from ledger.clock import FixedClock
from ledger.contract_terms import termination_effective_end
from ledger.grid_catalogue import grid_from_dict
from ledger.money import Money

START = date(2026, 2, 10)  # the factories' contract
MANY = 90  # accounts written straight to the ledger, all in one projection step


def new_account(code: str, grid_version: str, signed: bool = True) -> CustomerAccount:
    c = customer(code)
    agg = CustomerAccount.register(
        account=code, legal_name=c["legal_name"], siren=c["siren"], vat_number=c["vat_number"],
        vat_regime=c["vat_regime"], billing_email=c["billing_email"], address=c["address"],
    )
    if signed:
        k = contract()
        agg.sign_contract(
            plan="PRO", service_start=START, installation_fee=Money.of(k["installation_fee"]), freemium=False,
            payment_method=k["payment_method"], mandate={**k["mandate"], "reference": f"RUM-{code.upper()}"},
            plan_grid_version=grid_version,
        )
    return agg


def account_life(agg: CustomerAccount, i: int) -> None:
    """Every account event type, by the account's number: options accepted, ended and taken again
    in the same step, records entered twice and withdrawn once, credits, terminations, withdrawals."""
    if i % 3 == 0:
        agg.accept_option("advanced_support", "AS4", date(2026, 3, 5))
        agg.record_support_hours(date(2026, 3, 9), Decimal("1.5"), "setup")
        agg.record_support_hours(date(2026, 3, 9), Decimal("1.5"), "setup")  # the same entered twice
        agg.withdraw_support_hours(1, "entered twice", None)
    if i % 6 == 0:
        agg.end_option("advanced_support", date(2026, 3, 20))
        agg.accept_option("advanced_support", "AS4", date(2026, 3, 21))  # a second interval
    if i % 4 == 0:
        agg.accept_option("branding_removal", None, date(2026, 3, 2))
        agg.end_option("branding_removal", date(2026, 4, 30))
    if i % 5 == 0:
        agg.record_intervention(date(2026, 3, 11), Decimal("2.25"), f"export {i}")
        if i % 10 == 0:
            agg.withdraw_intervention(1, "not out of scope", None)
    if i % 8 == 0:
        agg.grant_penalty_credit(f"credit-{i}", Money.of("30.00"), "outage", date(2026, 3, 3), date(2026, 3, 4))
        if i % 16 == 0:
            agg.withdraw_penalty_credit(f"credit-{i}", "granted by mistake", used=False)
    if i % 15 == 0:
        agg.withdraw_option("advanced_support", date(2026, 3, 5), "never ordered", None)
    if i % 7 == 0:
        outcome = termination_effective_end(START, date(2026, 5, 10), date(2026, 5, 31))
        agg.notify_termination(date(2026, 5, 10), "email", date(2026, 5, 31), outcome.effective_end,
                               outcome.early, Money.of("1000.00"))
    if i % 11 == 0 and i % 3 and i % 4 and i % 5 and i % 7 and i % 8:
        agg.withdraw_contract("signed by mistake", None, has_usage=False)


@contextmanager
def per_event(projector: ReadModelProjector) -> Iterator[None]:
    projector.bulk = False
    try:
        yield
    finally:
        projector.bulk = True


def test_bulk_projection_of_every_account_event_matches_the_per_event_path(
    container: Container, clock: FixedClock
) -> None:
    # Three accounts through the services, a closed February and payments on its invoices.
    signed_up(container, "acme", "globex", "initech")
    for account in ("acme", "globex", "initech"):
        ingest(container, usage_events(account, 10, credits=40))
    invoices = close_february(container, clock)
    grid = GRID_2026_A["version"]

    # Many accounts registered and signed in one save, then lived in a second one: the first
    # step inserts new rows (updated in memory), the second updates rows stored before it.
    born = [new_account(f"bulk{i:03d}", grid, signed=i % 13 != 0) for i in range(MANY)]
    container.ledger.save(*born)
    # Payments: 2 of 100.00 per invoice, projected in one step with the accounts' lives below.
    payers = [container.accounts.get(invoice["account"]) for invoice in invoices]
    for agg, invoice in zip(payers, invoices, strict=True):
        for n in range(2):
            agg.record_payment(invoice["number"], Money.of("100.00"), date(2026, 3, 3), "transfer", f"r{n}")
    container.projector.catch_up()
    lived = [container.accounts.get(f"bulk{i:03d}") for i in range(MANY) if i % 13 != 0]
    for agg in lived:
        account_life(agg, int(agg.account[4:]))
    container.ledger.save(*lived, *payers)
    container.projector.catch_up()
    assert container.projector.failure is None
    live = dump(container.engine)

    # Hand-checked figures of the live (bulk) projection:
    assert count(container.engine, t.accounts) == 3 + MANY
    with container.engine.connect() as conn:
        paid = {n: Decimal(p) for n, p in conn.execute(select(t.invoices.c.number, t.invoices.c.paid))}
        # i = 0, 6, ..., 84: 15 accounts with advanced_support ended on 20 March, then taken again.
        ended = conn.execute(select(t.account_options).where(
            t.account_options.c.option == "advanced_support", t.account_options.c.ended_on == date(2026, 3, 20)
        )).all()
    assert paid == {invoice["number"]: Decimal("200.00") for invoice in invoices}  # 2 × 100.00 each
    # Signed (i % 13 != 0) and i % 6 == 0: i = 6, 12, ..., 84 but not 0, 78: 13 accounts; those of them
    # with i % 15 == 0 (30, 60) had the first interval withdrawn: 11 rows left.
    assert len(ended) == 11
    assert count(container.engine, t.payments) == 6  # 3 invoices × 2 payments

    # The per-event path, from the ledger alone, in one transaction.
    with per_event(container.projector):
        container.projector.rebuild()
    assert dump(container.engine) == live
    # Bulk again, in large steps, then in small steps that cut the accounts' lives anywhere.
    container.projector.rebuild()
    assert dump(container.engine) == live
    container.projector.batch_size = 7
    container.projector.reset()
    container.projector.catch_up()
    assert dump(container.engine) == live


def test_a_row_that_fails_only_when_the_step_is_flushed_stops_the_projector_at_its_own_event(
    container: Container,
) -> None:
    """Two accounts grant credits with the same id (a key the read model holds once): in bulk the
    insert fails at the flush, after both events were buffered; the step is applied again event by
    event, which names the second grant, and everything before it is projected."""
    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    first, second, third = (new_account(code, GRID_2026_A["version"]) for code in ("acme", "globex", "initech"))
    first.grant_penalty_credit("dup", Money.of("10.00"), "outage", date(2026, 3, 3), date(2026, 3, 4))
    second.grant_penalty_credit("dup", Money.of("10.00"), "outage", date(2026, 3, 3), date(2026, 3, 4))
    container.ledger.save(first, second, third)  # one step: 3 × (registered, signed) + 2 grants
    container.projector.catch_up()

    failure = container.projector.failure
    assert failure is not None
    assert failure.event == "CustomerAccount.PenaltyCreditGranted"
    assert failure.event_id == f"{second.id}@3"  # registered, signed, then the grant
    assert container.projector.position() == failure.position - 1
    with container.engine.connect() as conn:
        credits = conn.execute(select(t.penalty_credits.c.account)).scalars().all()
    assert credits == ["acme"]
    assert count(container.engine, t.accounts) == 2  # initech's events come after the bad one


def test_a_step_of_new_accounts_runs_as_many_statements_for_150_accounts_as_for_20(container: Container) -> None:
    """One statement per table, not per event: the statements a step runs do not grow with its
    accounts (registered, signed, an option each); per event, they grow with every event."""
    from sqlalchemy import event

    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    container.projector.catch_up()
    grid = GRID_2026_A["version"]
    statements: list[str] = []

    def count_statement(*args: object) -> None:
        statements.append(str(args[2]))

    def project(first: int, n: int) -> int:
        accounts = [new_account(f"acc{i:04d}", grid) for i in range(first, first + n)]
        for agg in accounts:
            agg.accept_option("branding_removal", None, date(2026, 3, 2))
        container.ledger.save(*accounts)  # 3 events each: 450 at most, one step (batch_size 500)
        statements.clear()
        event.listen(container.engine, "before_cursor_execute", count_statement)
        try:
            container.projector.catch_up()
        finally:
            event.remove(container.engine, "before_cursor_execute", count_statement)
        assert container.projector.failure is None
        return len(statements)

    bulk = project(0, 20)
    assert bulk < 20 and project(20, 150) == bulk  # fewer statements than accounts, whatever their number
    container.projector.bulk = False
    # Per event: at least 4 statements an account (insert, lookup + update, the option's insert),
    # against a fixed number a step in bulk: at least 4 × 20 = 80 for 20 accounts.
    assert project(170, 20) >= 80
