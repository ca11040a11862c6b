"""How the price grid catalogue's events change ``price_grids``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, insert

from billing.persistence import tables as t
from billing.persistence.projections import Handler, ProjectionStep
from ledger.grid_catalogue import PriceGridCatalogue


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def grid_published(step: ProjectionStep, e: Any, _position: int) -> None:
    grid = e.grid
    step.conn.execute(
        insert(t.price_grids).values(
            version=grid["version"],
            effective_from=_day(grid["effective_from"]),
            notified_on=_day(grid["notified_on"]),
            body=grid,
        )
    )


def grid_withdrawn(step: ProjectionStep, e: Any, _position: int) -> None:
    step.conn.execute(delete(t.price_grids).where(t.price_grids.c.version == e.version))


HANDLERS: dict[type, Handler] = {
    PriceGridCatalogue.GridPublished: grid_published,
    PriceGridCatalogue.GridWithdrawn: grid_withdrawn,
}
