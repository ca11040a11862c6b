"""The month-close job (§7): issue the invoices of a month whose close was requested."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import dramatiq

from billing.jobs.broker import QUEUE, SHORT_PRIORITY

if TYPE_CHECKING:
    from billing.bootstrap import Container

log = logging.getLogger(__name__)


def declare_close_month(broker: dramatiq.Broker, services: Callable[[], Container]) -> dramatiq.Actor[[str], None]:
    """Retried for long (20 times, up to 30 s apart): a close resumes where a killed worker left it."""

    def close_month(month: str) -> None:
        """Issue the invoices of a month whose close was requested (resumes after a crash)."""
        issued = services().closing.run_close(month)
        log.info("closed %s: %d invoices issued by this run", month, issued)

    return dramatiq.actor(
        broker=broker,
        actor_name="close_month",
        queue_name=QUEUE,
        priority=SHORT_PRIORITY,
        max_retries=20,
        min_backoff=500,
        max_backoff=30_000,
        time_limit=3_600_000,
    )(close_month)
