"""Late-payment rates (API.md "Operations and audit": ``/v1/admin/late-payment-rates``, BILLING_RULES §8)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from billing.api.deps import AdminDep, LatePaymentRatesDep
from billing.api.schemas import Body
from billing.commands.late_payment_rates import RecordLatePaymentRates

router = APIRouter(prefix="/v1/admin", tags=["receivables"])


class LatePaymentRatesIn(Body):
    half_year: str
    ecb_rate: str
    legal_rate: str


@router.post("/late-payment-rates", status_code=201)
def record_late_payment_rates(body: LatePaymentRatesIn, rates: LatePaymentRatesDep, _: AdminDep) -> dict[str, Any]:
    """Record a half-year's ECB main refinancing rate and legal rate once (409 when already recorded)."""
    return rates.record(RecordLatePaymentRates.from_request(body.half_year, body.ecb_rate, body.legal_rate))


@router.get("/late-payment-rates")
def list_late_payment_rates(rates: LatePaymentRatesDep, _: AdminDep) -> dict[str, Any]:
    """Every half-year recorded, §8's published values first, by half-year."""
    return {"late_payment_rates": rates.list()}
