"""How recorded usage changes ``usage_monthly``: credits summed per (account, booked month, month of
origin) and written at flush, one statement; §7: late usage is booked in the first open month."""

from __future__ import annotations

from typing import Any

from billing.persistence.projections import Handler, ProjectionStep
from ledger.usage import UsageBatch


def recorded(step: ProjectionStep, e: Any, _position: int) -> None:
    usage = step.usage
    booked = step.booked_month
    for account, origin, credits in zip(e.accounts, e.months, e.credits, strict=True):
        usage[(account, booked(origin), origin)] += credits


HANDLERS: dict[type, Handler] = {
    UsageBatch.Recorded: recorded,
}
