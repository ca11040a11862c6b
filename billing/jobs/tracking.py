"""The job states behind ``GET /v1/admin/jobs/{id}`` (issue 23), recorded by a Dramatiq middleware.

The id a close (or a render) answers with is the Dramatiq message id. This middleware, added to the
broker where the actors are declared, writes the message's state as it goes: ``queued`` when sent,
``running`` when a worker takes it, ``done`` or ``failed`` (with the error) when it returns. It runs
in the API process (in-process worker) and in ``dramatiq billing.worker`` processes alike. A failure
to record never fails the job: the state is informative, the ledger stays the truth.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.broker import MessageProxy

if TYPE_CHECKING:
    from billing.bootstrap import Container

log = logging.getLogger(__name__)

TRACKED = ("close_month", "render_documents")


def _month(message: dramatiq.Message[Any] | MessageProxy) -> str | None:
    if message.actor_name == "close_month" and message.args:
        return str(message.args[0])
    return None


class JobTracking(dramatiq.Middleware):
    def __init__(self, services: Callable[[], Container]) -> None:
        self.services = services

    def _record(self, message: dramatiq.Message[Any] | MessageProxy, status: str, error: str | None = None) -> None:
        if message.actor_name not in TRACKED:
            return
        try:
            container = self.services()
            states = container.directory.job_states
            now = container.clock.now()
            if status == "queued":
                states.queued(message.message_id, message.actor_name, _month(message), now)
            else:
                states.update(message.message_id, message.actor_name, _month(message), status, now, error)
        except Exception:  # never let the bookkeeping fail the job
            log.warning("could not record job %s as %s", message.message_id, status, exc_info=True)

    def after_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message[Any], delay: int | None) -> None:
        if not delay:  # a retry re-enqueued with a delay keeps its last state until it runs
            self._record(message, "queued")

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self._record(message, "running")

    def after_process_message(self, broker: dramatiq.Broker, message: MessageProxy, *,
                              result: Any = None, exception: BaseException | None = None) -> None:
        if exception is None:
            self._record(message, "done")
        else:
            self._record(message, "failed", f"{type(exception).__name__}: {exception}")

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self._record(message, "failed", "skipped")
