"""Issue 20 item 4: a customer's read never waits behind a close's projection (both backends).

Under the mixed load a customer's invoice list, PDF and archive waited behind each projection step
of the close (its chunks of 500 invoices), because each read caught the views up first. Now a
reader who recorded nothing glances: the views as they stand, brought up to date only by one small
step (at most GLANCE_MAX_LAG events) that no other thread of the process is taking.
"""

from __future__ import annotations

import threading
import time
from itertools import count as numbers

from support.factories import customer
from support.foundation_helpers import close_february, signed_up

from billing.bootstrap import Container
from billing.persistence.read_models import GLANCE_MAX_LAG
from ledger.account import CustomerAccount
from ledger.clock import FixedClock

_numbers = numbers()


def lag(container: Container) -> int:
    return container.projector.head() - container.projector.position()


def stored_unprojected(container: Container, count: int) -> None:
    """``count`` accounts registered straight into the ledger, as a close or a worker in another
    thread stores its facts: ``count`` notifications that nobody has projected yet."""
    start = lag(container)
    for _ in range(count):
        n = next(_numbers)
        details = customer(f"new{n:04d}")
        container.ledger.save(CustomerAccount.register(
            account=details["account"], legal_name=details["legal_name"], siren=details["siren"],
            vat_number=details["vat_number"], vat_regime=details["vat_regime"],
            billing_email=details["billing_email"], address=details["address"],
        ))
    assert lag(container) == start + count


def test_a_customer_list_answers_while_another_thread_holds_the_projector(
    container: Container, clock: FixedClock
) -> None:
    signed_up(container, "acme")
    close_february(container, clock)
    stored_unprojected(container, 1)
    assert lag(container) == 1
    held, release = threading.Event(), threading.Event()

    def long_projection_step() -> None:  # what a close's step of 500 invoices does to the lock
        with container.projector._local_lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=long_projection_step)
    holder.start()
    try:
        assert held.wait(10)
        answered: list[int] = []
        reader = threading.Thread(target=lambda: (container.invoices.glance(),
                                                  answered.append(len(container.invoices.list(account="acme")))))
        started = time.monotonic()
        reader.start()
        reader.join(10)
        # Answered at once from the views as they stand (February's invoice), the event left to the
        # thread that holds the projector; before issue 20 this read waited until that thread let go.
        assert answered == [1] and time.monotonic() - started < 5
        assert lag(container) == 1
    finally:
        release.set()
        holder.join(10)


def test_a_glance_projects_a_small_lag_itself_and_leaves_a_large_one(container: Container, clock: FixedClock) -> None:
    signed_up(container, "acme")
    close_february(container, clock)
    stored_unprojected(container, 3)
    container.documents.glance()
    assert lag(container) == 0  # 3 events, nobody else projecting: one step, read-your-writes kept
    stored_unprojected(container, GLANCE_MAX_LAG + 1)
    container.invoices.glance()
    assert lag(container) == GLANCE_MAX_LAG + 1  # a close's or an ingestion's worth: the thread's work
    container.read_models.refresh()
    assert lag(container) == 0
