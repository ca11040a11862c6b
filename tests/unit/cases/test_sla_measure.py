"""SLA incidents in business hours (art. 12.4, 12.8) and the yearly penalty (art. 13): hand-worked."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from cases.business_calendar import PARIS
from cases.sla import SlaTerms, Ticket, measure, year_penalty

TERMS = SlaTerms(restoration_hours=Decimal(4), yearly_max_hours=Decimal(20), penalty_per_hour=Decimal("50.00"))


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def ticket(ref: str, notified: str, restored: str | None, *, confirmed: bool = True, scheduled: bool = False) -> Ticket:
    return Ticket(ref, paris(notified), confirmed, None if restored is None else paris(restored), scheduled)


def test_notified_on_a_holiday_counts_from_the_next_business_hour() -> None:
    # Tue 14 July 2026 is a holiday: counted from Wed 15 July 08:30 to 11:00 = 2.5 h
    m = measure(ticket("T1", "2026-07-14T10:00", "2026-07-15T11:00"), TERMS)
    assert (m.counted_from, m.counted_hours, m.beyond_restoration) == (paris("2026-07-15T08:30"), Decimal("2.5"), 0)


def test_over_a_weekend_and_beyond_the_restoration_time() -> None:
    # Fri 17:00-18:00 = 1 h; Mon 08:30-12:00 = 3.5 h, 13:30-15:00 = 1.5 h: 6 h; GTR 4 h -> 2 h beyond
    m = measure(ticket("T2", "2026-11-27T17:00", "2026-11-30T15:00"), TERMS)
    assert (m.counted_hours, m.beyond_restoration) == (Decimal(6), Decimal(2))


def test_an_unconfirmed_or_unrestored_ticket_counts_nothing_yet() -> None:
    assert measure(ticket("T3", "2026-11-26T09:00", "2026-11-26T17:00", confirmed=False), TERMS).status == "pending"
    assert measure(ticket("T4", "2026-11-26T09:00", None), TERMS).counted_hours == 0


def test_scheduled_interruptions_free_eight_hours_then_force_majeure_over_twenty_four() -> None:
    # Mon 30 Nov 08:30 -> Tue 1 Dec 18:00 = 16 business hours: 8 free, 8 counted, 4 beyond GTR
    m = measure(ticket("S1", "2026-11-30T08:30", "2026-12-01T18:00", scheduled=True), TERMS)
    assert (m.business_hours, m.counted_hours, m.beyond_restoration) == (Decimal(16), Decimal(8), Decimal(4))
    # a scheduled day of 8 business hours: entirely free
    assert measure(ticket("S2", "2026-11-30T08:30", "2026-11-30T18:00", scheduled=True), TERMS).counted_hours == 0
    # Mon 08:30 -> Thu 12:00 = 8 + 8 + 8 + 3.5 = 27.5 business hours > 24: force majeure, nothing counted
    fm = measure(ticket("S3", "2026-11-30T08:30", "2026-12-03T12:00", scheduled=True), TERMS)
    assert (fm.status, fm.counted_hours) == ("force_majeure", 0)


def test_first_year_penalty_is_pro_rata() -> None:
    # Service from 2026-07-01: 184 of 365 days -> IMS 20 x 184/365 = 10.0822 h.
    # Tickets: Wed 15 Jul 08:30-16:00 = 3.5 + 2.5 = 6 h (2 beyond GTR); Thu 16 Jul 08:30-17:00 = 3.5 + 3.5 = 7 h
    # (3 beyond). Interruption 13 h: IMS excess 13 - 10.0822 = 2.9178 h; GTR excess 5 h. Penalty 5 h x 50.00 = 250.00
    tickets = [ticket("A", "2026-07-15T08:30", "2026-07-15T16:00"), ticket("B", "2026-07-16T08:30", "2026-07-16T17:00")]
    p = year_penalty(TERMS, tickets, date(2026, 7, 1), 2026)
    assert p.allowance_hours == Decimal(20) * Decimal(184) / Decimal(365)
    assert (p.interruption_hours, p.gtr_excess_hours, p.penalty_hours, p.amount) == (13, 5, 5, Decimal("250.00"))
    assert p.incident_on == date(2026, 7, 16)
    assert p.tickets == ("A", "B")


def test_a_full_year_penalty_from_the_yearly_maximum() -> None:
    # 2027, full year: IMS 20 h. Five tickets of 4 h (each within GTR) and one of 3.5 h: 23.5 h,
    # IMS excess 3.5 h, GTR excess 0: 3.5 x 50.00 = 175.00
    days = ["2027-03-01", "2027-03-02", "2027-03-03", "2027-03-04", "2027-03-05"]
    tickets = [ticket(f"M{i}", f"{d}T13:30", f"{d}T17:30") for i, d in enumerate(days)]
    tickets.append(ticket("M5", "2027-03-08T08:30", "2027-03-08T12:00"))
    p = year_penalty(TERMS, tickets, date(2026, 7, 1), 2027)
    assert (p.allowance_hours, p.interruption_hours, p.ims_excess_hours, p.gtr_excess_hours) == (20, Decimal("23.5"),
                                                                                                  Decimal("3.5"), 0)
    assert p.amount == Decimal("175.00")
    assert year_penalty(TERMS, tickets, date(2026, 7, 1), 2026).amount == 0  # nothing in 2026


def test_an_interruption_over_new_year_is_split_by_calendar_year() -> None:
    # Thu 31 Dec 2026 16:00 -> Mon 4 Jan 2027 10:00: 2 h in 2026; 1 Jan holiday, Sat, Sun; Mon 08:30-10:00 = 1.5 h
    m = measure(ticket("NY", "2026-12-31T16:00", "2027-01-04T10:00"), TERMS)
    assert m.hours_by_year == {2026: Decimal(2), 2027: Decimal("1.5")}
