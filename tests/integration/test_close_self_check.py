"""The close job checks itself (issue 17): it waits for a current view, it never closes a month
the ledger says is incomplete, and a close whose job was lost is resumed by the watchdog.

Both backends, the real services; the read models are made to miss an account by moving the
projector's tracking position past its stored events, as a lost projection would.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from support.api_helpers import at
from support.factories import GRID_2026_A, contract, customer
from support.jobs import HeldJobs

from billing.commands.accounts import RegisterCustomer, SignContract
from billing.commands.closing import CloseMonth
from billing.persistence import tables as t
from billing.persistence.projections import TRACKING_NAME
from billing.services import closing
from ledger.account import CustomerAccount
from ledger.clock import FixedClock
from ledger.errors import Unavailable
from ledger.grid_catalogue import grid_from_dict


class InlineJobs(HeldJobs):
    """A job sender that sends nothing: the service runs the close itself (``send_close`` is None)."""

    def __init__(self) -> None:
        self.closes: list[str] = []

    def send_close(self, month: str) -> str | None:
        self.closes.append(month)
        return None


class StaleReadModels:
    """The read models as the views engineer's ``sync`` sees them when the projector is behind:
    ``Unavailable`` for the first ``failures`` syncs (all of them with ``failures=None``)."""

    def __init__(self, inner: Any, failures: int | None) -> None:
        self.inner, self.failures, self.refused = inner, failures, 0

    def sync(self) -> None:
        if self.failures is None or self.refused < self.failures:
            self.refused += 1
            raise Unavailable("the read models are 3 events behind the ledger", retry_after=2)
        self.inner.sync()


def sign(container: Any, account: str, start: str = "2026-02-01") -> None:
    container.accounts.register(RegisterCustomer.from_request(customer(account)))
    container.accounts.sign_contract(account, SignContract.from_request(contract(start, installation_fee="0.00")))


def three_accounts(container: Any) -> None:
    container.catalogue.publish(grid_from_dict(GRID_2026_A))
    for account in ("alpha", "bravo", "charlie"):
        sign(container, account)


def invoices(container: Any) -> list[tuple[str, str]]:
    container.projector.catch_up()
    with container.engine.connect() as conn:
        rows = conn.execute(select(t.invoices.c.number, t.invoices.c.account).order_by(t.invoices.c.number)).all()
    return [(n, a) for n, a in rows]


def store_unprojected(container: Any, account: str) -> None:
    """Store an account with a February contract, then move the tracking position past its
    events: the ledger has it, the read models never will (until a rebuild)."""
    container.projector.catch_up()
    c = CustomerAccount.register(
        account=account, legal_name=f"{account.upper()} SAS", siren="312456783", vat_number=None,
        vat_regime="standard", billing_email=f"factures@{account}.fr",
        address={"line1": "1 rue X", "postcode": "25000", "city": "Besançon", "country": "FR"},
    )
    c.sign_contract(plan="PRO", service_start=date(2026, 2, 1), installation_fee="0.00",
                    freemium=False, payment_method="transfer", mandate=None, plan_grid_version="2026-A")
    container.ledger.save(c)
    last = container.ledger.recorder.max_notification_id()
    with container.engine.begin() as conn:
        conn.execute(update(t.projection_tracking).where(t.projection_tracking.c.name == TRACKING_NAME)
                     .values(position=last))


# -- 1. the close job waits for a current view --------------------------------------------------


def test_the_close_job_waits_for_a_current_view_then_closes(container: Any, clock: FixedClock) -> None:
    three_accounts(container)
    at(clock, "2026-03-02")
    container.closing.jobs = HeldJobs()
    container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))
    slept: list[float] = []
    container.closing.sleep = slept.append
    real = container.closing.read_models
    container.closing.read_models = StaleReadModels(real, failures=3)
    assert container.closing.run_close("2026-02") == 3
    assert slept == [0.5, 1.0, 2.0]  # the first three steps of the bounded backoff, then current
    container.closing.read_models = real
    assert container.closing.current_month_state("2026-02")["status"] == "closed"
    assert invoices(container) == [("FX-2026-000001", "alpha"), ("FX-2026-000002", "bravo"),
                                   ("FX-2026-000003", "charlie")]


def test_a_view_that_stays_behind_leaves_the_month_closing_and_rates_nothing(container: Any, clock: FixedClock) -> None:
    three_accounts(container)
    at(clock, "2026-03-02")
    container.closing.jobs = HeldJobs()
    container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))
    slept: list[float] = []
    container.closing.sleep = slept.append
    real = container.closing.read_models
    container.closing.read_models = StaleReadModels(real, failures=None)
    with pytest.raises(Unavailable):  # the job fails for Dramatiq to retry it; the month is not failed
        container.closing.run_close("2026-02")
    assert slept == list(closing.SYNC_BACKOFF)  # bounded: 0.5 + 1 + 2 + 4 + 8 + 15 + 30 = 60.5 s
    container.closing.read_models = real
    state = container.closing.current_month_state("2026-02")
    assert (state["status"], state["invoices"]) == ("closing", 0)  # nothing rated from a stale view
    assert invoices(container) == []
    assert container.closing.run_close("2026-02") == 3  # the retry, once the view is current
    assert container.closing.current_month_state("2026-02")["status"] == "closed"


# -- 2. the close checks itself against the ledger -----------------------------------------------


def test_an_account_the_read_models_miss_fails_the_close_naming_it_and_a_resume_bills_it(
    container: Any, clock: FixedClock
) -> None:
    three_accounts(container)
    store_unprojected(container, "ghost")
    at(clock, "2026-03-02")
    container.closing.jobs = HeldJobs()
    # The request rates what the read models show: alpha, bravo, charlie (no error, 3 billable).
    container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))
    container.closing.run_close("2026-02")  # issues the three, then finds ghost in the ledger
    state = container.closing.current_month_state("2026-02")
    assert state["status"] == "failed"  # never closed with an account in service left unbilled
    assert "ghost" in state["error"] and "1 account(s)" in state["error"]
    assert state["progress"] == {"invoiced": 3, "accounts": 3}
    assert invoices(container) == [("FX-2026-000001", "alpha"), ("FX-2026-000002", "bravo"),
                                   ("FX-2026-000003", "charlie")]
    # Projected at last (a rebuild replays the whole ledger); closing again resumes, gapless.
    container.projector.rebuild()
    container.closing.request_close(CloseMonth.from_request("2026-02"))
    assert container.closing.run_close("2026-02") == 1
    state = container.closing.current_month_state("2026-02")
    # 4 PRO accounts, all February, no installation fee: 4 x 500.00 = 2000.00 HT, +20 % VAT = 2400.00 TTC
    assert (state["status"], state["invoices"], state["total_ht"], state["total_ttc"]) == (
        "closed", 4, "2000.00", "2400.00")
    assert invoices(container) == [("FX-2026-000001", "alpha"), ("FX-2026-000002", "bravo"),
                                   ("FX-2026-000003", "charlie"), ("FX-2026-000004", "ghost")]


def test_the_ledger_check_ignores_freemium_withdrawn_and_terminated_contracts(container: Any, clock: FixedClock) -> None:
    """Accounts the ledger has but that are not in service in February close nothing and fail nothing."""
    three_accounts(container)
    container.accounts.register(RegisterCustomer.from_request(customer("freebie")))
    container.accounts.sign_contract("freebie", SignContract.from_request(contract("2026-02-01", freemium=True)))
    sign(container, "march", "2026-03-05")  # starts after February
    sign(container, "mistake")
    container.corrections.withdraw_contract("mistake", "signed on the wrong account")  # issue 9
    at(clock, "2026-03-06")
    container.closing.jobs = HeldJobs()
    container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))
    assert container.closing.run_close("2026-02") == 3
    state = container.closing.current_month_state("2026-02")
    # alpha, bravo, charlie: PRO, all February, no installation fee: 3 x 500.00 = 1500.00 HT, +20 % = 1800.00 TTC
    assert (state["status"], state["invoices"], state["total_ht"], state["total_ttc"]) == (
        "closed", 3, "1500.00", "1800.00")


# -- 3. lost jobs are found -----------------------------------------------------------------------


class Killed(BaseException):
    """What a SIGKILL does to the job: it stops between two chunks, no handler runs."""


def test_a_close_left_closing_by_a_dead_job_is_resumed_by_the_watchdog_after_the_stall_time(
    container: Any, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    three_accounts(container)
    at(clock, "2026-03-02")
    jobs = InlineJobs()
    container.closing.jobs = HeldJobs()
    container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))
    monkeypatch.setattr(closing, "CHUNK", 1)

    def kill(_issued: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        container.closing.run_close("2026-02", on_chunk=kill)  # alpha's chunk stored, then the job died
    chunk_at = clock.now()
    state = container.closing.current_month_state("2026-02")
    assert state["status"] == "closing"
    assert state["progress"] == {"invoiced": 1, "accounts": 3}
    assert state["last_chunk_at"] is not None
    assert abs((datetime.fromisoformat(state["last_chunk_at"]) - chunk_at).total_seconds()) < 1
    container.closing.jobs = jobs
    stall = container.settings.close_stall_seconds
    assert stall == 300  # the default
    clock.advance(timedelta(seconds=stall - 1))
    assert container.closing.resume_stalled() == [] and jobs.closes == []  # not stalled yet
    clock.advance(timedelta(seconds=1))
    assert container.closing.resume_stalled() == ["2026-02"]  # sent again once, and run here
    assert jobs.closes == ["2026-02"]
    assert container.closing.current_month_state("2026-02")["status"] == "closed"
    assert container.closing.resume_stalled() == []  # nothing closing any more
    assert invoices(container) == [("FX-2026-000001", "alpha"), ("FX-2026-000002", "bravo"),
                                   ("FX-2026-000003", "charlie")]


def test_two_watchdogs_send_a_stalled_close_once(container: Any, clock: FixedClock) -> None:
    three_accounts(container)
    at(clock, "2026-03-02")
    container.closing.jobs = HeldJobs()
    container.closing.request_close(CloseMonth.from_request("2026-02", "2026-03-02"))
    clock.advance(timedelta(seconds=600))
    sent: list[str] = []

    class Sent(HeldJobs):
        def send_close(self, month: str) -> str | None:
            sent.append(month)
            return "sent"

    container.closing.jobs = Sent()
    assert container.closing.resume_stalled() == ["2026-02"]
    assert container.closing.resume_stalled() == []  # the resend counts as progress: the next waits a stall
    assert sent == ["2026-02"]
    with container.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.invoices)).scalar() == 0
