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
