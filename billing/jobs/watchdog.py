"""The close watchdog and the short-work lane, both started with every Dramatiq worker (issue 17, 20).

A middleware on the jobs' broker: when a worker boots (a ``dramatiq billing.worker`` process, or the
API's in-process worker), it starts

- a watchdog thread that asks the closing service, every quarter of ``BILLING_CLOSE_STALL_SECONDS``
  (at most 30 s), to send again the job of any ``closing`` month that has made no progress for that
  long: a worker SIGKILLed mid-close, or a broker restarted empty, loses the close's message, and
  nobody has to ask again;
- one more worker thread that consumes only the short queue (close, acknowledgments, mailbox poll),
  so a close never waits for a free thread behind render or mail chunks (issue 20).

Both stop when that worker shuts down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import dramatiq

from billing.jobs.broker import QUEUE

if TYPE_CHECKING:
    from billing.bootstrap import Container

log = logging.getLogger(__name__)

MAX_TICK_SECONDS = 30.0


class _WatchdogThread(threading.Thread):
    def __init__(self, services: Callable[[], Container]) -> None:
        super().__init__(name="close-watchdog", daemon=True)
        self.services = services
        self.stopped = threading.Event()

    def run(self) -> None:
        delay = 0.0  # a first look at boot: a close may have been left closing by a crash
        while not self.stopped.wait(delay):
            delay = 5.0
            try:
                container = self.services()
                delay = max(0.2, min(MAX_TICK_SECONDS, container.settings.close_stall_seconds / 4))
                container.closing.resume_stalled()
            except Exception:  # a database away for a moment: look again at the next tick
                log.exception("close watchdog: this look failed; trying again in %.1f s", delay)

    def stop(self) -> None:
        self.stopped.set()


class WorkerCompanions(dramatiq.Middleware):
    """Starts the watchdog and the short-queue worker beside each worker that consumes every queue."""

    def __init__(self, services: Callable[[], Container]) -> None:
        self.services = services
        self._lock = threading.Lock()
        self._companions: dict[int, tuple[_WatchdogThread, dramatiq.Worker | None]] = {}
        self._own: set[int] = set()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        short: dramatiq.Worker | None = None
        with self._lock:
            if id(worker) in self._own:
                return  # our own short-queue worker
            if getattr(worker, "queues", None) is None:  # a worker of every queue (never one given -Q)
                short = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=1, worker_timeout=100)
                self._own.add(id(short))
        if short is not None:
            short.start()
        watchdog = _WatchdogThread(self.services)
        watchdog.start()
        with self._lock:
            self._companions[id(worker)] = (watchdog, short)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        with self._lock:
            companions = self._companions.pop(id(worker), None)
        if companions is None:
            return
        watchdog, short = companions
        watchdog.stop()
        watchdog.join(timeout=10)
        if short is not None:
            short.stop()
            with self._lock:
                self._own.discard(id(short))

    def describe(self) -> dict[str, Any]:
        return {"workers": len(self._companions)}
