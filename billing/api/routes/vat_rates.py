"""VAT rates (API.md "Price grid": ``/v1/admin/vat-rates``, BILLING_RULES §4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from billing.api.deps import AdminDep, VatRatesDep
from billing.api.schemas import Body, Day
from billing.commands.vat_rates import RecordVatRate

router = APIRouter(prefix="/v1/admin", tags=["price grids"])


class VatRateIn(Body):
    rate: str
    effective_from: Day


@router.post("/vat-rates", status_code=201)
def record_vat_rate(body: VatRateIn, vat_rates: VatRatesDep, _: AdminDep) -> dict[str, Any]:
    """Record a VAT rate from a day: no notice (art. 10.1), never before an issued invoice's issue date."""
    rate, _created = vat_rates.record(RecordVatRate.from_request(body.rate, body.effective_from))
    return rate


@router.get("/vat-rates")
def list_vat_rates(vat_rates: VatRatesDep, _: AdminDep) -> dict[str, Any]:
    """Every VAT rate recorded, from the VAT table and from grid versions, by effective date."""
    return {"vat_rates": vat_rates.list()}
