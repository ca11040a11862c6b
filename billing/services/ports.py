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
        """Bring the read models up to the ledger's last recorded event (read-your-writes).

        A service calls it after a save whose answer reads the read models, or before a query
        that must see every fact recorded so far (a close, an export, a preview).
        """


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

    def send_acknowledgments(self) -> None:
        """Acknowledge the open cases (§8: by the next business day after receipt)."""
