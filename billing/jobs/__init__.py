"""Dramatiq jobs. Actors are declared on a broker chosen at start-up, never at import.

With ``BILLING_BROKER_URL`` empty the broker is dramatiq's StubBroker and an in-process Worker
runs the jobs in the API process; with ``redis://`` or ``amqp://`` real ``dramatiq`` workers do
(``dramatiq billing.worker``). Each actor decodes its message and calls one application service,
reached through the container provider the :class:`Jobs` object was built with (no module global).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import dramatiq

from billing.jobs.broker import make_broker
from billing.jobs.closing import declare_close_month
from billing.jobs.documents import declare_mail_document, declare_render_documents, declare_transmit_document
from billing.jobs.mail import declare_acknowledge_cases, declare_poll_mailbox
from billing.jobs.tracking import JobTracking
from billing.jobs.watchdog import WorkerCompanions

if TYPE_CHECKING:
    from billing.bootstrap import Container
    from billing.settings import Settings

__all__ = ["Jobs", "make_broker"]


class Jobs:
    """The actors bound to one broker, and how the services send them (the ``JobSender`` port).

    ``services`` gives the container the actors call. Nothing is sent until :meth:`start` (the API
    at start-up) or ``sending=True`` (the worker process): before that ``send_close`` and
    ``send_render`` answer None so the caller does the work itself, and the follow-up jobs (the
    documents after a close, their mails, the acknowledgments) are not sent, which is what the CLI
    and the tests that use the services without the app expect.
    """

    def __init__(self, broker: dramatiq.Broker, services: Callable[[], Container], *, sending: bool = False) -> None:
        self.broker = broker
        self.sending = sending
        broker.add_middleware(JobTracking(services))  # issue 23: GET /v1/admin/jobs/{id}
        self.close_month = declare_close_month(broker, services)
        self.poll_mailbox = declare_poll_mailbox(broker, services)
        self.acknowledge_cases = declare_acknowledge_cases(broker, services)
        self.render_documents = declare_render_documents(broker, services)
        self.mail_document = declare_mail_document(broker, services)
        self.transmit_document = declare_transmit_document(broker, services)
        # Issue 17, 20: every worker on this broker (this process's in-process one, or the worker
        # process's) gets the close watchdog and a thread of its own for the short queue.
        broker.add_middleware(WorkerCompanions(services))
        self._worker: dramatiq.Worker | None = None

    @classmethod
    def for_worker(cls, settings: Settings) -> Jobs:
        """The jobs of a ``dramatiq billing.worker`` process: sending from the start, the container
        built by bootstrap on the first message and kept by this object's provider."""
        lock = threading.Lock()
        built: list[Container] = []

        def services() -> Container:
            with lock:
                if not built:
                    from billing.bootstrap import bootstrap

                    built.append(bootstrap(settings, migrate=False, jobs=jobs))
            return built[0]

        jobs = cls(make_broker(settings), services, sending=True)
        return jobs

    # -- the JobSender port ------------------------------------------------------------------------

    def send_close(self, month: str) -> str | None:
        if not self.sending:
            return None
        return str(self.close_month.send(month).message_id)

    def send_render(self) -> str | None:
        if not self.sending:
            return None
        return str(self.render_documents.send().message_id)

    def send_mail(self, kind: str, number: str) -> None:
        if self.sending:
            self.mail_document.send(kind, number)

    def send_transmit(self, kind: str, number: str) -> None:
        if self.sending:
            self.transmit_document.send(kind, number)

    def send_acknowledgments(self) -> None:
        if self.sending:
            self.acknowledge_cases.send()

    # -- running -----------------------------------------------------------------------------------

    def start(self, *, in_process_worker: bool, poll_mailbox: bool) -> None:
        """Start sending; run the jobs in this process when no broker is configured; start the poll
        chain (only when BILLING_IMAP_URL is set)."""
        dramatiq.set_broker(self.broker)  # this process's broker, for dramatiq's own lookups
        self.sending = True
        if in_process_worker:
            self._worker = dramatiq.Worker(self.broker, worker_threads=1, worker_timeout=100)
            self._worker.start()
        if poll_mailbox:
            self.poll_mailbox.send()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
