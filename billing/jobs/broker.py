"""The broker of the jobs, chosen at start-up from ``BILLING_BROKER_URL`` (never at import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dramatiq
from dramatiq.brokers.stub import StubBroker

if TYPE_CHECKING:
    from billing.settings import Settings

QUEUE = "billing"  # every actor's queue; the Redis and RabbitMQ workers listen on it by this name


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
