"""Contract signals (§9): freemium inactivity and cap, 30 days of interruption; hand-worked dates."""

from __future__ import annotations

from datetime import date, datetime

from cases.business_calendar import PARIS
from cases.signals import freemium_inactivity, freemium_over_cap, long_interruption
from cases.sla import Ticket


def test_fifteen_whole_days_without_usage() -> None:
    # last usage 1 March; on 17 March the idle days are 2..16 March = 15: signalled since 2 March
    s = freemium_inactivity("gratis", date(2026, 2, 1), date(2026, 3, 1), date(2026, 3, 17))
    assert s is not None and (s.since, s.details["idle_days"]) == (date(2026, 3, 2), 15)
    # a notice sent on 17 March allows the termination from 24 March (7 days)
    assert s.formal_notice == {"required": True, "delay_days": 7, "if_sent_on": "2026-03-17",
                               "termination_possible_from": "2026-03-24"}
    assert freemium_inactivity("gratis", date(2026, 2, 1), date(2026, 3, 1), date(2026, 3, 16)) is None  # 14 days


def test_never_used_counts_from_service_start() -> None:
    # service from 1 Feb, no usage: on 16 Feb, 1..15 Feb = 15 days
    s = freemium_inactivity("gratis", date(2026, 2, 1), None, date(2026, 2, 16))
    assert s is not None and s.since == date(2026, 2, 1)


def test_usage_beyond_the_freemium_cap() -> None:
    s = freemium_over_cap("gratis", "2026-02", 90_000, 5_000, date(2026, 3, 2))
    assert s is not None and s.details == {"month": "2026-02", "credits": 90000, "cap": 5000, "excess": 85000}
    assert freemium_over_cap("gratis", "2026-02", 5_000, 5_000, date(2026, 3, 2)) is None


def test_thirty_days_of_interruption_attributable_to_flexio() -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=PARIS)
    ongoing = Ticket("INC-9", start, True, None)
    now = datetime(2026, 4, 1, 9, tzinfo=PARIS)  # 30 days later to the hour
    s = long_interruption("acme", [ongoing], now)
    assert s is not None and (s.since, s.details["days"], s.termination) == (
        date(2026, 3, 2), 30, "common_agreement_after_interruption")
    assert long_interruption("acme", [ongoing], datetime(2026, 4, 1, 8, tzinfo=PARIS)) is None  # 29 days 23 h
    scheduled = Ticket("MAINT", start, True, None, scheduled=True)
    unconfirmed = Ticket("INC-10", start, False, None)
    assert long_interruption("acme", [scheduled, unconfirmed], now) is None
