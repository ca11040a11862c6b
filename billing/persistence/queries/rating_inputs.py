"""Fill the rating input of every account for a month from the read models, in a few bulk queries.

Loading 10,000 aggregates one by one would cost seconds; the read models hold the same facts
(they are projections of the ledger, caught up before a close reads them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, or_, select

from billing.persistence import tables as t
from invoices.draft import LineKind
from invoices.termination import indemnity_on_invoice
from ledger.grid import PriceGrid
from ledger.money import Money
from ledger.months import Month
from pricing.account_month import (
    AccountMonth,
    AvailablePenaltyCredit,
    BilledAmount,
    CatchUpMonth,
    Intervention,
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


def catch_up_candidates(conn: Connection, month: Month) -> dict[str, dict[int, int]]:
    """§7, §7b: account -> {closed month index: late credits} that the close of ``month`` rates again.

    A closed month is rated again for an account when a fact dated in it was recorded after its
    close started (``catch_up_periods``) or when usage stamped in it was booked in ``month``.
    Freemium accounts are never invoiced (§9), so never candidates.
    """
    found: defaultdict[str, dict[int, int]] = defaultdict(dict)
    c = t.catch_up_periods.c
    for account, origin in conn.execute(
        select(c.account, c.origin_month).where(c.booked_month == month.index(), c.origin_month < month.index())
    ):
        found[account].setdefault(int(origin), 0)
    u = t.usage_monthly.c
    for account, origin, credits in conn.execute(
        select(u.account, u.origin_month, u.credits).where(
            u.booked_month == month.index(), u.origin_month < month.index()
        )
    ):
        found[account][int(origin)] = found[account].get(int(origin), 0) + int(credits)
    if found:
        free = set(
            conn.scalars(
                select(t.accounts.c.account).where(t.accounts.c.freemium.is_(True), t.accounts.c.account.in_(list(found)))
            )
        )
        for account in free:
            del found[account]
    return dict(found)


def billable_accounts(conn: Connection, month: Month) -> set[str]:
    """Accounts the close of ``month`` must consider: in service in it, or reached by catch-up (§7b)."""
    billable = billable_accounts_query(month).subquery()
    return set(conn.scalars(select(billable.c.account))) | set(catch_up_candidates(conn, month))


def _billed_by_period(
    conn: Connection, month: Month, accounts: set[str]
) -> defaultdict[tuple[str, int], list[BilledAmount]]:
    """What the invoices issued before ``month`` billed, by (account, period) and line kind (§7b).

    A line bills its invoice's month, or its ``period`` when it is a catch-up line. Penalty credits
    are not a price of the period and stay out.
    """
    billed: defaultdict[tuple[str, int], list[BilledAmount]] = defaultdict(list)
    if not accounts:
        return billed
    i = t.invoices.c
    for account, invoice_month, document in conn.execute(
        select(i.account, i.month, i.document).where(i.account.in_(sorted(accounts)), i.month < str(month))
    ):
        for line in document.get("lines", []):
            if line["kind"] == LineKind.PENALTY_CREDIT:
                continue
            period = Month.parse(line.get("period") or invoice_month)
            billed[(account, period.index())].append(BilledAmount(line["kind"], Money(Decimal(line["amount"]))))
    return billed


def load_catch_up(
    conn: Connection,
    month: Month,
    issue_date: date,
    candidates: dict[str, dict[int, int]],
    grid_of: Callable[[Month], PriceGrid],
) -> dict[str, tuple[CatchUpMonth, ...]]:
    """§7b: each candidate's closed months rated again with their own inputs, as known now.

    A closed month's usage is every credit stamped in it and booked up to ``month`` (§7), so the
    catch-up overage is that month's overage at its own cap minus what was billed for it.
    """
    if not candidates:
        return {}
    by_period: defaultdict[int, set[str]] = defaultdict(set)
    for account, periods in candidates.items():
        for origin in periods:
            by_period[origin].add(account)
    billed = _billed_by_period(conn, month, set(candidates))
    result: defaultdict[str, list[CatchUpMonth]] = defaultdict(list)
    for origin in sorted(by_period):
        period = Month.from_index(origin)
        inputs = _load(conn, period, issue_date, only=by_period[origin], usage_through=month)
        if not inputs:
            continue
        grid = grid_of(period)  # §4: the grid in force on the period's first day prices it
        for item in inputs:
            result[item.account].append(
                CatchUpMonth(
                    inputs=item,
                    grid=grid,
                    late_credits=candidates[item.account].get(origin, 0),
                    billed=tuple(billed.get((item.account, origin), ())),
                )
            )
    return {account: tuple(items) for account, items in result.items()}


def load_account_months(
    conn: Connection,
    month: Month,
    issue_date: date,
    only: set[str] | None = None,
    grid_of: Callable[[Month], PriceGrid] | None = None,
) -> list[AccountMonth]:
    """Every billable account's input for ``month``, sorted by account id (the numbering order).

    With ``grid_of`` (the grid in force for a month), the catch-up of closed months (§7, §7b) is
    loaded too, and accounts reached only by it (a terminated account's late usage) are included.
    """
    if grid_of is None:
        return _load(conn, month, issue_date, only=only, usage_through=None)
    candidates = catch_up_candidates(conn, month)
    if only is not None:
        candidates = {a: p for a, p in candidates.items() if a in only}
    catch_up = load_catch_up(conn, month, issue_date, candidates, grid_of)
    inputs = _load(conn, month, issue_date, only=only, usage_through=None, extra=set(catch_up))
    return [replace(item, catch_up=catch_up.get(item.account, ())) for item in inputs]


def _load(
    conn: Connection,
    month: Month,
    issue_date: date,
    *,
    only: set[str] | None,
    usage_through: Month | None,
    extra: frozenset[str] | set[str] = frozenset(),
) -> list[AccountMonth]:
    """The inputs of ``month``; ``usage_through`` set: its whole usage booked up to that month (§7)."""
    first, last = month.first_day, month.last_day
    query = billable_accounts_query(month)
    if extra:
        a = t.accounts.c
        query = select(t.accounts).where(
            or_(a.account.in_(sorted(extra)), a.account.in_(select(query.subquery().c.account)))
        )
    rows = conn.execute(query.order_by(t.accounts.c.account)).mappings().all()
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

    # §7: a month's cap takes only the usage stamped in it. Rating the month itself, that is what is
    # booked in it; rating a closed month again (catch-up), every credit stamped in it booked so far.
    credits: defaultdict[str, int] = defaultdict(int)
    u = t.usage_monthly.c
    booked = u.booked_month == month.index() if usage_through is None else u.booked_month <= usage_through.index()
    for r in conn.execute(
        select(u.account, func.sum(u.credits).label("credits"))
        .where(u.origin_month == month.index(), booked)
        .group_by(u.account)
    ):
        credits[r.account] += int(r.credits)

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
        if termination.get("early"):  # art. 14: on the final invoice
            indemnity = indemnity_on_invoice(month, service_end, True, Money(Decimal(termination["indemnity"])))
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
                late_usage=(),
                early_termination_indemnity=indemnity,
                penalty_credits=tuple(penalties.get(account, ())),
            )
        )
    return result


__all__ = ["billable_accounts", "catch_up_candidates", "count_billable", "load_account_months", "load_catch_up"]
