"""The :class:`~billing.services.ports.ReadModels` port over the projector."""

from __future__ import annotations

from billing.persistence.projections import ReadModelProjector


class ProjectedReadModels:
    """Read models kept by :class:`ReadModelProjector`: a sync is a catch-up in this thread."""

    def __init__(self, projector: ReadModelProjector) -> None:
        self._projector = projector

    def sync(self) -> None:
        self._projector.catch_up()
