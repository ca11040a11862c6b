"""Price grid versions (API.md "Price grid"; BILLING_RULES §4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from billing.api.deps import AdminDep, CatalogueDep
from billing.api.responses import PriceGridList, PriceGridOut
from billing.api.schemas import PriceGridIn
from ledger.grid_catalogue import grid_from_dict, grid_to_dict

router = APIRouter(prefix="/v1/admin")


@router.post("/price-grids", status_code=201, response_model=PriceGridOut, tags=["price grid"])
def publish_price_grid(body: PriceGridIn, catalogue: CatalogueDep, _: AdminDep) -> dict[str, Any]:
    """Publish a price grid version (effective on the 1st of a month, notified a month ahead)."""
    grid, _created = catalogue.publish(grid_from_dict(body.model_dump()))
    return grid_to_dict(grid)


@router.get("/price-grids", response_model=PriceGridList, tags=["price grid"])
def list_price_grids(catalogue: CatalogueDep, _: AdminDep) -> dict[str, Any]:
    """Every published grid version, oldest first."""
    return {"price_grids": [grid_to_dict(g) for g in catalogue.versions()]}


@router.get("/price-grids/{version}", response_model=PriceGridOut, tags=["price grid"])
def get_price_grid(version: str, catalogue: CatalogueDep, _: AdminDep) -> dict[str, Any]:
    """One grid version."""
    return grid_to_dict(catalogue.get(version))
