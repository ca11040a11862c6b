"""Dates that follow from the issue date (BILLING_RULES §8, contract art. 10.2).

Kept pure and separate so previews, the month close and the SEPA export agree on the same dates.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import easter

__all__ = ["collection_date", "dispute_deadline", "due_date", "is_target2_business_day"]

PAYMENT_TERM_DAYS = 30  # art. 10.2 "dans un délai de 30 jours à compter de l'émission"
DISPUTE_WINDOW_DAYS = 20  # art. 10.2 "dans un délai de vingt (20) jours à compter de son émission"


def due_date(issue: date) -> date:
    """Issue date + 30 days (§8, art. 10.2)."""
    return issue + timedelta(days=PAYMENT_TERM_DAYS)


def dispute_deadline(issue: date) -> date:
    """Issue date + 20 days: after it the invoice is deemed accepted (§8, art. 10.2)."""
    return issue + timedelta(days=DISPUTE_WINDOW_DAYS)


def is_target2_business_day(day: date) -> bool:
    """True on a TARGET2 settlement day (§8): SEPA collections can only settle on those.

    TARGET2 is closed on Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May,
    25 and 26 December; French public holidays do not matter to it.
    """
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in {(1, 1), (5, 1), (12, 25), (12, 26)}:
        return False
    easter_sunday = easter(day.year)
    return day not in {easter_sunday - timedelta(days=2), easter_sunday + timedelta(days=1)}


def collection_date(due: date) -> date:
    """The due date, or the next TARGET2 business day when it is not one (§8 direct debit)."""
    day = due
    while not is_target2_business_day(day):
        day += timedelta(days=1)
    return day
