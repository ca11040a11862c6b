"""The read-model projection as an operations resource (API.md "Operations and audit", issue 17)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from billing.api.deps import AdminDep, ContainerDep

router = APIRouter(prefix="/v1/admin", tags=["operations"])


class StoppedAt(BaseModel):
    notification: int
    topic: str
    error: str
    since: str  # ISO 8601 instant with its offset, from the injectable clock


class ProjectionStatus(BaseModel):
    position: int
    head: int
    lag: int
    stopped: bool
    stopped_at: StoppedAt | None


def _read_models(container: ContainerDep) -> Any:
    return container.read_models


ReadModelsDep = Annotated[Any, Depends(_read_models)]


@router.get("/projection", response_model=ProjectionStatus)
def projection_status(read_models: ReadModelsDep, _: AdminDep) -> dict[str, Any]:
    """How far the read models follow the ledger, and the event the projector is stopped at, if any.

    A stopped projector is an incident: money answers 503 until it moves on (issue 17).
    """
    status: dict[str, Any] = read_models.status()
    return status
