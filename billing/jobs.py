"""Dramatiq jobs. Actors are declared on a broker chosen at start-up, never at import.

With ``BILLING_BROKER_URL`` empty the broker is dramatiq's StubBroker and an in-process Worker
runs the jobs in the API process; with ``redis://`` or ``amqp://`` real ``dramatiq`` workers do
(``dramatiq billing.worker``). Each actor decodes its message and calls one application service.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.brokers.stub import StubBroker

from billing.mail import jobs as mail_jobs

if TYPE_CHECKING:
    from billing.bootstrap import Container
    from billing.settings import Settings

log = logging.getLogger(__name__)

_container: Container | None = None
_jobs: Jobs | None = None


def set_container(container: Container) -> None:
    """The process's container, built by the API lifespan or the worker at boot."""
    global _container
    _container = container


def _current() -> Container:
    global _container
    if _container is None:  # a dramatiq worker process: build it on the first message
        from billing.bootstrap import bootstrap

        _container = bootstrap(migrate=False)
        if _jobs is not None:
            _jobs.wire(_container)
    return _container


def make_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    if not url:
        return StubBroker()
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url)
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    return RabbitmqBroker(url=url)


def close_month(month: str) -> None:
    """Issue the invoices of a month whose close was requested (resumes after a crash)."""
    container = _current()
    issued = container.closing.run_close(month)
    log.info("closed %s: %d invoices issued by this run", month, issued)


def render_documents() -> None:
    """Render, validate and store the documents of issued invoices and credit notes (issue 11)."""
    container = _current()
    result = container.documents.render_pending()
    log.info("documents: %(stored)d stored, %(rejected)d rejected", result)


def mail_document(kind: str, number: str) -> None:
    """Mail one stored invoice or credit note; raises on an SMTP failure so Dramatiq retries."""
    _current().mail.send_document(kind, number)


class Jobs:
    """The actors bound to one broker, and how the services send them."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker
        dramatiq.set_broker(broker)
        self.close_month = dramatiq.actor(
            broker=broker,
            actor_name="close_month",
            queue_name="billing",
            max_retries=20,
            min_backoff=500,
            max_backoff=30_000,
            time_limit=3_600_000,
        )(close_month)
        # Issue 13: the mailbox poll (re-enqueues itself) and the acknowledgments of cases.
        self.poll_mailbox = dramatiq.actor(
            broker=broker, actor_name="poll_mailbox", queue_name="billing", max_retries=0, time_limit=600_000
        )(mail_jobs.poll_mailbox)
        self.acknowledge_cases = dramatiq.actor(
            broker=broker, actor_name="acknowledge_cases", queue_name="billing", max_retries=10, min_backoff=1000
        )(mail_jobs.acknowledge_cases)
        self.render_documents = dramatiq.actor(
            broker=broker,
            actor_name="render_documents",
            queue_name="billing",
            max_retries=10,
            min_backoff=1_000,
            max_backoff=60_000,
            time_limit=3_600_000,
        )(render_documents)
        self.mail_document = dramatiq.actor(
            broker=broker,
            actor_name="mail_document",
            queue_name="billing",
            max_retries=8,
            min_backoff=1_000,
            max_backoff=600_000,
        )(mail_document)
        self._worker: dramatiq.Worker | None = None
        global _jobs
        _jobs = self

    def send_close(self, month: str) -> str:
        message: Any = self.close_month.send(month)
        return str(message.message_id)

    def send_acknowledgments(self) -> None:
        self.acknowledge_cases.send()

    def start_mailbox_polling(self) -> None:
        """Start the poll chain (only when BILLING_IMAP_URL is set)."""
        self.poll_mailbox.send()

    def send_render(self) -> str:
        message: Any = self.render_documents.send()
        return str(message.message_id)

    def wire(self, container: Container) -> None:
        """Let the services send jobs: the close, then the documents after it, then their mails."""
        container.closing.enqueue = self.send_close
        container.documents.enqueue = self.send_render
        container.closing.on_closed = lambda _month: self.send_render()  # issue 11: documents after a close
        container.documents.on_stored = self.send_mail  # issue 11: each stored document is mailed

    def send_mail(self, kind: str, number: str) -> None:
        self.mail_document.send(kind, number)

    def start_in_process_worker(self) -> None:
        """Run jobs in this process (no broker configured)."""
        self._worker = dramatiq.Worker(self.broker, worker_threads=1, worker_timeout=100)
        self._worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
