"""Contract signals for finance (BILLING_RULES §9)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query

from billing.api.deps import AdminDep, SignalsDep

router = APIRouter(prefix="/v1/admin/signals", tags=["signals"])


@router.get("")
def contract_signals(
    signals: SignalsDep, _: AdminDep, on: date | None = Query(None, description="YYYY-MM-DD, default today")
) -> dict[str, Any]:
    """Freemium accounts inactive 15 days or over their cap, and 30-day interruptions (§9), with the notice due."""
    return {"signals": signals.current_report(on)}
