"""The broker of the jobs, chosen at start-up from ``BILLING_BROKER_URL`` (never at import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dramatiq
from dramatiq.brokers.stub import StubBroker

if TYPE_CHECKING:
    from billing.settings import Settings

# Issue 20: short work (the close, acknowledgments, the mailbox poll) and bulk work (rendering and
# mailing a month's documents, in chunks) have their own queues, so a close is never queued behind
# 4,800 PDFs; a worker consumes both (``dramatiq billing.worker`` listens on every declared queue)
# and each worker has one more thread for the short queue alone (billing/jobs/watchdog.py).
QUEUE = "billing"  # short jobs
BULK_QUEUE = "billing-bulk"  # rendering and mailing documents
SHORT_PRIORITY = 0  # Dramatiq runs the lowest number first among the messages a worker holds
BULK_PRIORITY = 100


def make_broker(settings: Settings) -> dramatiq.Broker:
    """Empty URL: a StubBroker served by an in-process worker; ``redis://`` or ``amqp://``: real workers."""
    url = settings.broker_url
    if not url:
        return StubBroker()
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url)
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    return RabbitmqBroker(url=url)
