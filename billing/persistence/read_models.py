"""The :class:`~billing.services.ports.ReadModels` port over the projector (issue 17).

``sync`` is the gate of every decision about money: it notes the ledger's head when it is called,
catches up to it in this thread (or waits for another projector to pass it) for at most
``BILLING_READ_MODEL_WAIT`` seconds, and raises :class:`~ledger.errors.Unavailable` when the read
models are stopped at an event before that head or still behind it. ``refresh`` is the best-effort
catch-up of a read-your-writes after a save, which must never turn a recorded fact into an error.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from billing.persistence.projections import ReadModelProjector
from ledger.errors import Unavailable

# Retry-After of a 503: a projector stopped at an event waits for a fix (the thread retries the
# event every 5 s at most); one that is behind is catching up.
STOPPED_RETRY_AFTER = 30
BEHIND_RETRY_AFTER = 5
# The most events a reader's glance projects itself (one step; a customer's writes, a dispute or a
# sign-in, are a handful): more is a close's or an ingestion's, for the projection thread.
GLANCE_MAX_LAG = 50


class ProjectedReadModels:
    """Read models kept by :class:`ReadModelProjector`."""

    def __init__(self, projector: ReadModelProjector, wait_seconds: float = 5.0) -> None:
        self._projector = projector
        self.wait_seconds = wait_seconds

    def refresh(self) -> None:
        """Project what is stored now, as far as the projector can (it may be stopped at an event)."""
        self._projector.catch_up()

    def glance(self) -> None:
        """Issue 20: the views as they stand for a reader who recorded nothing (a customer's invoice
        list, PDF, archive), brought up to date here only by one small step no other thread of this
        process is taking. A close projects its chunks of 500 invoices in steps of a few hundred
        milliseconds; a customer's read waited behind each (p99 7 s under the mixed load). The
        background projection thread (or the close itself) brings those events in a moment later."""
        projector = self._projector
        lag = projector.head() - projector.position()
        if 0 < lag <= GLANCE_MAX_LAG:
            projector.step_if_free()

    def sync(self) -> None:
        """Make sure every event stored before this call is projected, or raise Unavailable (503).

        API.md "Operations and audit": never an answer about money computed from read models that
        miss stored events. With the projector stopped at an event at or before the head noted here,
        the error names it; events stored after this call do not make it wait.
        """
        projector = self._projector
        head = projector.head()
        if projector.position() >= head:
            return  # the common case: current already (two small reads, no step)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            applied = projector.step()
            position = projector.position()
            if position >= head:
                return
            failure = projector.failure
            if failure is not None and failure.position <= head:
                raise Unavailable(
                    f"the read models are stopped at notification {failure.position} ({failure.topic}): "
                    f"{failure.error}; decisions about money wait until the projector moves on",
                    retry_after=STOPPED_RETRY_AFTER,
                    details={"reason": "projection_stopped", "position": position, "head": head,
                             "stopped_at": failure.stopped_at()},
                )
            if time.monotonic() >= deadline:
                raise Unavailable(
                    f"the read models are {head - position} events behind the ledger "
                    f"(projected {position} of {head}) after {self.wait_seconds:g} s; retry shortly",
                    retry_after=BEHIND_RETRY_AFTER,
                    details={"reason": "projection_behind", "position": position, "head": head,
                             "lag": head - position},
                )
            if not applied:
                threading.Event().wait(0.05)  # another projector holds the next events: let it pass

    def status(self, *, catch_up: bool = False) -> dict[str, Any]:
        """API.md ``GET /v1/admin/projection``: position, head, lag and where the projector is stopped.

        ``catch_up``: first project what it can for at most the wait (the CLI's process runs no
        projector thread, so this is how it finds out whether the next event projects).
        """
        projector = self._projector
        if catch_up:
            deadline = time.monotonic() + self.wait_seconds
            while projector.step() and time.monotonic() < deadline:
                pass
        position, head = projector.position(), projector.head()
        failure = projector.failure
        stopped = failure is not None and failure.position > position
        return {
            "position": position,
            "head": head,
            "lag": max(head - position, 0),
            "stopped": stopped,
            "stopped_at": failure.stopped_at() if stopped and failure is not None else None,
        }
