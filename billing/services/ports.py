"""The ports the application services need from the outside, as small protocols.

Services depend on these, never on SQLAlchemy, the projector or the broker; ``billing/bootstrap.py``
hands them the adapters (``billing/persistence/read_models.py``, ``billing/persistence/queries/``,
``billing/jobs/``). Each service's read-model queries are declared beside the service that uses
them; what several services share is declared here.
"""

from __future__ import annotations

from typing import Protocol


class ReadModels(Protocol):
    """The read models, which trail the ledger by the projector's last step."""

    def sync(self) -> None:
        """Make sure every event stored before the call is projected, or raise ``Unavailable``.

        Issue 17: the gate of every decision about money (a close request, the preview, the SEPA
        export, receivables, late-payment invoices, the workbook, the FEC): it catches up to the
        ledger's head noted at the call, waits a bounded time for another projector to pass it,
        and raises :class:`ledger.errors.Unavailable` (503 + Retry-After) when the projector is
        stopped at an event before that head or still behind it.
        """

    def refresh(self) -> None:
        """Project what is stored now, as far as the projector can, and never raise for a stop.

        The read-your-writes after a save (the fact is recorded: its answer must not become an
        error) and the plain reads that answer from the read models as they stand.
        """

    def glance(self) -> None:
        """The views as they stand, for a reader who recorded nothing: project at most one small
        step that no other thread is taking, never wait behind a close's (issue 20)."""


class JobSender(Protocol):
    """The background jobs the services ask for; ``billing/jobs/`` sends them on the broker.

    A process that runs no jobs (the CLI, the tests that use the services without the app) sends
    nothing: ``send_close`` and ``send_render`` then answer None and the caller does the work itself,
    and the follow-ups (mails, acknowledgments) are not sent.
    """

    def send_close(self, month: str) -> str | None:
        """Issue the invoices of a month whose close was requested (§7); the job's id."""

    def send_render(self) -> str | None:
        """Render and store the pending documents (issue 11); the job's id."""

    def send_mail(self, kind: str, number: str) -> None:
        """Mail one stored invoice or credit note to the customer's billing email."""

    def send_transmit(self, kind: str, number: str) -> None:
        """Transmit one stored invoice or credit note to the plateforme agréée (issue 22)."""

    def send_acknowledgments(self) -> None:
        """Acknowledge the open cases (§8: by the next business day after receipt)."""
