"""The mail jobs: poll the mailbox (periodic) and send due acknowledgments.

Declared on the broker by billing/jobs.py's :class:`Jobs`. The poll re-enqueues itself with a delay
(Dramatiq has no scheduler of its own), so the chain runs as long as a worker does; every poll is
idempotent, so a second chain (a second API process) costs a little IMAP traffic and no case.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

POLL_SECONDS = 60


def poll_mailbox_once() -> dict[str, int]:
    """One poll of BILLING_IMAP_URL, then the acknowledgments it made due."""
    from billing.jobs import _current
    from billing.mail.acknowledgments import outbox_for, send_due_acknowledgments
    from billing.mail.imap import poll_mailbox

    container = _current()
    if not container.settings.imap_url:
        return {"seen": 0, "recorded": 0, "moved": 0, "acknowledged": 0}
    result = poll_mailbox(container.settings.imap_url, container.cases)
    acknowledged = send_due_acknowledgments(container.cases, outbox_for(container.cases))
    log.info("mailbox: %d seen, %d recorded, %d moved; %d acknowledged", result.seen, result.recorded, result.moved,
             acknowledged)
    return {"seen": result.seen, "recorded": result.recorded, "moved": result.moved, "acknowledged": acknowledged}


def acknowledge_cases() -> None:
    """Send the acknowledgments of open cases (§8: by the next business day after receipt)."""
    from billing.jobs import _current
    from billing.mail.acknowledgments import outbox_for, send_due_acknowledgments

    container = _current()
    send_due_acknowledgments(container.cases, outbox_for(container.cases))


def poll_mailbox() -> None:
    """The periodic actor: poll, then schedule the next poll whatever happened (a failed poll is
    retried by the next one, a minute later)."""
    import dramatiq

    try:
        poll_mailbox_once()
    finally:
        dramatiq.get_broker().get_actor("poll_mailbox").send_with_options(delay=POLL_SECONDS * 1000)
