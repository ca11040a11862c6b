"""The document jobs (issue 11): render the pending documents, then mail each stored one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import dramatiq

from billing.jobs.broker import BULK_PRIORITY, BULK_QUEUE

if TYPE_CHECKING:
    from billing.bootstrap import Container

log = logging.getLogger(__name__)

# Issue 20: one render message renders at most this many documents (two batches, one per render
# process, a few seconds), then sends the next chunk: short jobs never wait behind a whole month.
RENDER_CHUNK = 250


def declare_render_documents(broker: dramatiq.Broker, services: Callable[[], Container]) -> dramatiq.Actor[[], None]:
    """A render job renders one chunk of what is pending and sends the next; idempotent (a job
    that finds nothing pending does nothing)."""

    def render_documents() -> None:
        """Render, validate and store the documents of issued invoices and credit notes (issue 11)."""
        result = services().documents.render_pending(limit=RENDER_CHUNK)
        log.info("documents: %(stored)d stored, %(rejected)d rejected, %(remaining)d still pending", result)
        if result["remaining"]:
            actor.send()  # issue 20: the next chunk, queued behind whatever short job came meanwhile

    actor: dramatiq.Actor[[], None] = dramatiq.actor(
        broker=broker,
        actor_name="render_documents",
        queue_name=BULK_QUEUE,
        priority=BULK_PRIORITY,
        max_retries=10,
        min_backoff=1_000,
        max_backoff=60_000,
        time_limit=3_600_000,
    )(render_documents)
    return actor


def declare_mail_document(broker: dramatiq.Broker, services: Callable[[], Container]) -> dramatiq.Actor[[str, str], None]:
    """Retried up to ten minutes apart: an SMTP server that is down must not lose the mail."""

    def mail_document(kind: str, number: str) -> None:
        """Mail one stored invoice or credit note; raises on an SMTP failure so Dramatiq retries."""
        services().mail.send_document(kind, number)

    return dramatiq.actor(
        broker=broker,
        actor_name="mail_document",
        queue_name=BULK_QUEUE,  # a month's mails are many small jobs: bulk, behind every short one
        priority=BULK_PRIORITY,
        max_retries=8,
        min_backoff=1_000,
        max_backoff=600_000,
    )(mail_document)


def declare_transmit_document(
    broker: dramatiq.Broker, services: Callable[[], Container]
) -> dramatiq.Actor[[str, str], None]:
    """Issue 22: one stored document to the plateforme agréée. The client retries 429/5xx/timeouts a few
    times within the job; a platform still unavailable raises, and Dramatiq retries the job with backoff
    (up to ten minutes apart); a 4xx is recorded as a rejection and not retried."""

    def transmit_document(kind: str, number: str) -> None:
        """Transmit one stored invoice or credit note, once (its number is its trackingId)."""
        services().pa_transmission.transmit(kind, number)

    return dramatiq.actor(
        broker=broker,
        actor_name="transmit_document",
        queue_name=BULK_QUEUE,  # a month's flows are many small jobs, like its mails
        priority=BULK_PRIORITY,
        max_retries=12,
        min_backoff=1_000,
        max_backoff=600_000,
    )(transmit_document)
