"""Fill the rating input of every account for a month from the read models, in a few bulk queries.

Loading 10,000 aggregates one by one would cost seconds; the read models hold the same facts
(they are projections of the ledger, caught up before a close reads them).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, or_, select

from billing.persistence import tables as t
from ledger.money import Money
from ledger.months import Month
from pricing.inputs import (
    AccountMonth,
    AvailablePenaltyCredit,
    Intervention,
    LateUsage,
    OptionInterval,
)


def billable_accounts_query(month: Month) -> Any:
    """Accounts with a paid contract in service on at least one day of the month (§5, §9)."""
    a = t.accounts.c
    return select(t.accounts).where(
        a.service_start.is_not(None),
        a.service_start <= month.last_day,
        or_(a.service_end.is_(None), a.service_end >= month.first_day),
        a.freemium.is_(False),
    )


def count_billable(conn: Connection, month: Month) -> int:
    return int(conn.execute(select(func.count()).select_from(billable_accounts_query(month).subquery())).scalar_one())


def load_account_months(
    conn: Connection, month: Month, issue_date: date, only: set[str] | None = None
) -> list[AccountMonth]:
    """Every billable account's input for ``month``, sorted by account id (the numbering order)."""
    first, last = month.first_day, month.last_day
    rows = conn.execute(billable_accounts_query(month).order_by(t.accounts.c.account)).mappings().all()
    if only is not None:
        rows = [r for r in rows if r["account"] in only]
    if not rows:
        return []

    r: Any  # rows of several queries below
    options: defaultdict[str, list[OptionInterval]] = defaultdict(list)
    o = t.account_options.c
    for r in conn.execute(
        select(o.account, o.option, o.pack, o.accepted_on, o.ended_on)
        .where(o.accepted_on <= last, or_(o.ended_on.is_(None), o.ended_on >= first))
        .order_by(o.account, o.accepted_on, o.id)
    ):
        options[r.account].append(OptionInterval(r.option, r.pack, r.accepted_on, r.ended_on))

    hours: defaultdict[str, Decimal] = defaultdict(Decimal)
    s = t.support_hours.c
    for r in conn.execute(
        select(s.account, func.sum(s.hours).label("hours")).where(s.on.between(first, last)).group_by(s.account)
    ):
        hours[r.account] = Decimal(r.hours)

    works: defaultdict[str, list[Intervention]] = defaultdict(list)
    i = t.interventions.c
    for r in conn.execute(
        select(i.account, i.on, i.hours, i.description).where(i.on.between(first, last)).order_by(i.account, i.on, i.id)
    ):
        works[r.account].append(Intervention(r.on, Decimal(r.hours), r.description or ""))

    credits: defaultdict[str, int] = defaultdict(int)
    late: defaultdict[str, list[LateUsage]] = defaultdict(list)
    u = t.usage_monthly.c
    for r in conn.execute(
        select(u.account, u.origin_month, u.credits).where(u.booked_month == month.index()).order_by(u.account, u.origin_month)
    ):
        credits[r.account] += int(r.credits)
        if r.origin_month != month.index():
            late[r.account].append(LateUsage(Month.from_index(r.origin_month), int(r.credits)))

    used: defaultdict[str, Decimal] = defaultdict(Decimal)
    pa = t.penalty_allocations.c
    for r in conn.execute(select(pa.credit_id, func.sum(pa.amount).label("used")).group_by(pa.credit_id)):
        used[r.credit_id] = Decimal(r.used)
    penalties: defaultdict[str, list[AvailablePenaltyCredit]] = defaultdict(list)
    pc = t.penalty_credits.c
    for r in conn.execute(
        select(pc.id, pc.account, pc.granted, pc.incident_on, pc.granted_on)
        .where(pc.granted_on <= issue_date)  # §5.8: credits granted on or before the issue date
        .order_by(pc.account, pc.granted_on, pc.incident_on, pc.id)
    ):
        remaining = Decimal(r.granted) - used[r.id]
        if remaining > 0:
            penalties[r.account].append(AvailablePenaltyCredit(r.id, r.granted_on, r.incident_on, Money(remaining)))

    result: list[AccountMonth] = []
    for row in rows:
        account = row["account"]
        termination = row["termination"] or {}
        service_end = row["service_end"]
        indemnity = None
        if termination.get("early") and service_end is not None and month.contains(service_end):
            indemnity = Money(Decimal(termination["indemnity"]))  # art. 14: on the final invoice
        mandate = row["mandate"] or {}
        result.append(
            AccountMonth(
                account=account,
                legal_name=row["legal_name"],
                vat_regime=row["vat_regime"],
                month=month,
                plan=row["plan"],
                service_start=row["service_start"],
                service_end=service_end,
                installation_fee=Money(Decimal(row["installation_fee"])),
                freemium=bool(row["freemium"]),
                payment_method=row["payment_method"],
                mandate_reference=mandate.get("reference"),
                options=tuple(options.get(account, ())),
                support_hours_used=hours.get(account, Decimal(0)),
                interventions=tuple(works.get(account, ())),
                credits=credits.get(account, 0),
                late_usage=tuple(late.get(account, ())),
                early_termination_indemnity=indemnity,
                penalty_credits=tuple(penalties.get(account, ())),
            )
        )
    return result


__all__ = ["count_billable", "load_account_months"]
