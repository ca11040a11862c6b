"""The mailbox jobs (issue 13): poll the mailbox (periodic) and send the due acknowledgments.

The poll re-enqueues itself with a delay (Dramatiq has no scheduler of its own), so the chain runs
as long as a worker does; every poll is idempotent, so a second chain (a second API process) costs a
little IMAP traffic and no case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import dramatiq

from billing.jobs.broker import QUEUE, SHORT_PRIORITY

if TYPE_CHECKING:
    from billing.bootstrap import Container

log = logging.getLogger(__name__)

POLL_SECONDS = 60


def poll_mailbox_once(container: Container) -> dict[str, int]:
    """One poll of BILLING_IMAP_URL, then the acknowledgments it made due."""
    from billing.mail.acknowledgments import outbox_for, send_due_acknowledgments
    from billing.mail.imap import poll_mailbox

    if not container.settings.imap_url:
        return {"seen": 0, "recorded": 0, "moved": 0, "acknowledged": 0}
    result = poll_mailbox(container.settings.imap_url, container.cases)
    acknowledged = send_due_acknowledgments(container.cases, outbox_for(container.cases))
    log.info("mailbox: %d seen, %d recorded, %d moved; %d acknowledged", result.seen, result.recorded, result.moved,
             acknowledged)
    return {"seen": result.seen, "recorded": result.recorded, "moved": result.moved, "acknowledged": acknowledged}


def declare_poll_mailbox(broker: dramatiq.Broker, services: Callable[[], Container]) -> dramatiq.Actor[[], None]:
    """Never retried: the next poll, a minute later, is the retry."""

    def poll_mailbox() -> None:
        """Poll, then schedule the next poll whatever happened."""
        try:
            poll_mailbox_once(services())
        finally:
            actor.send_with_options(delay=POLL_SECONDS * 1000)

    actor: dramatiq.Actor[[], None] = dramatiq.actor(
        broker=broker, actor_name="poll_mailbox", queue_name=QUEUE, priority=SHORT_PRIORITY, max_retries=0,
        time_limit=600_000
    )(poll_mailbox)
    return actor


def declare_acknowledge_cases(broker: dramatiq.Broker, services: Callable[[], Container]) -> dramatiq.Actor[[], None]:
    """Sent when a case is recorded open; retried, as an SMTP failure must not skip §8's deadline."""

    def acknowledge_cases() -> None:
        """Send the acknowledgments of open cases (§8: by the next business day after receipt)."""
        from billing.mail.acknowledgments import outbox_for, send_due_acknowledgments

        cases = services().cases
        send_due_acknowledgments(cases, outbox_for(cases))

    return dramatiq.actor(
        broker=broker, actor_name="acknowledge_cases", queue_name=QUEUE, priority=SHORT_PRIORITY, max_retries=10,
        min_backoff=1000,
    )(acknowledge_cases)
