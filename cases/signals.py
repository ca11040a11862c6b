"""Contract signals finance must act on (BILLING_RULES §9, contract art. 14, 17.1).

- A freemium account inactive for 15 consecutive days, or using more than its cap, may be terminated
  by FLEXIO 7 days after a formal notice that went unanswered: immediate, no indemnity.
- A customer facing 30 consecutive days of interruption attributable to FLEXIO may end the contract
  early by common agreement, without indemnity.
Signals are reports: nothing happens in the ledger until finance acts on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cases.business_calendar import PARIS
from cases.sla import Ticket

__all__ = [
    "FORMAL_NOTICE_DAYS",
    "FREEMIUM_INACTIVITY_DAYS",
    "INTERRUPTION_DAYS",
    "Signal",
    "freemium_inactivity",
    "freemium_over_cap",
    "long_interruption",
]

FREEMIUM_INACTIVITY_DAYS = 15  # §9 "15 consecutive days of inactivity"
FORMAL_NOTICE_DAYS = 7  # §9 "7 days after a formal notice that went unanswered"
INTERRUPTION_DAYS = 30  # §9 "after 30 consecutive days of interruption attributable only to FLEXIO"


@dataclass(frozen=True)
class Signal:
    account: str
    kind: str  # "freemium_inactive" | "freemium_over_cap" | "interruption_30_days"
    since: date
    termination: str  # the §9 kind it opens
    formal_notice: dict[str, object] | None  # freemium: the notice and its 7-day delay
    details: dict[str, object] = field(default_factory=dict)


def _notice(on: date) -> dict[str, object]:
    """A notice sent on ``on`` allows the termination on the 7th day after it, if it stays unanswered."""
    return {"required": True, "delay_days": FORMAL_NOTICE_DAYS, "if_sent_on": on.isoformat(),
            "termination_possible_from": (on + timedelta(days=FORMAL_NOTICE_DAYS)).isoformat()}


def freemium_inactivity(account: str, service_start: date, last_usage: date | None, on: date) -> Signal | None:
    """Inactive since the day after the last usage (or since service start): a signal once 15 whole
    days have passed with no usage, today not counted (its usage may still come).

    Example: last usage 2026-03-01, on 2026-03-17: 2 to 16 March = 15 days -> signal since 2 March."""
    start = max(service_start, last_usage + timedelta(days=1)) if last_usage else service_start
    idle = (on - start).days  # whole days from start to yesterday
    if idle < FREEMIUM_INACTIVITY_DAYS:
        return None
    return Signal(account, "freemium_inactive", start, "freemium_by_flexio", _notice(on),
                  {"idle_days": idle, "last_usage": None if last_usage is None else last_usage.isoformat()})


def freemium_over_cap(account: str, month: str, credits: int, cap: int, on: date) -> Signal | None:
    """Usage beyond the freemium cap of a month (never invoiced, reported: §9)."""
    if credits <= cap:
        return None
    return Signal(account, "freemium_over_cap", date.fromisoformat(f"{month}-01"), "freemium_by_flexio", _notice(on),
                  {"month": month, "credits": credits, "cap": cap, "excess": credits - cap})


def long_interruption(account: str, tickets: list[Ticket], now: datetime) -> Signal | None:
    """The first confirmed, unscheduled interruption that lasted (or lasts) 30 consecutive days."""
    for ticket in sorted(tickets, key=lambda t: t.notified_at):
        if not ticket.confirmed or ticket.scheduled:
            continue
        end = ticket.restored_at or now
        if end - ticket.notified_at >= timedelta(days=INTERRUPTION_DAYS):
            started = ticket.notified_at.astimezone(PARIS).date()
            return Signal(account, "interruption_30_days", started, "common_agreement_after_interruption", None,
                          {"ticket": ticket.reference, "days": (end - ticket.notified_at).days,
                           "restored": ticket.restored_at is not None})
    return None
