"""Rating: turn one account-month into an invoice draft (BILLING_RULES §5, §8; contract art. 8, 10, 12-14).

The order of the lines follows §5 (plan, options, Advanced Support, overage, installation,
interventions, early termination, then penalty credits), because the penalty line is capped by the
subtotal of every line above it (§5.8). Each line is rounded on its own (§3) and VAT is computed
once on the total HT (§3), so the printed lines always add up to the printed totals.

Catch-up (§7, §7b): a closed month reached by a late fact or late usage is rated again with its own
inputs, grid, proration and service days (``_month_lines``), and what the issued invoices already
billed for it is subtracted (``_catch_up_lines``); the difference comes first on the invoice, each
line carrying the month it bills (``period``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from invoices.draft import InvoiceDraft, InvoiceLine, LineKind, PenaltyAllocation
from invoices.payment_dates import collection_date, dispute_deadline, due_date
from invoices.penalties import allocate_penalty_credits
from ledger.account_records import PAYMENT_METHODS, PaymentMethod
from ledger.errors import InvalidInput
from ledger.grid import OPTION_KINDS, PlanPrice, PriceGrid, SupportPack
from ledger.money import Money, money_sum, round_half_up
from ledger.months import Month
from ledger.vat_regime import VatRegime
from pricing.account_month import AccountMonth, CatchUpMonth, OptionInterval
from pricing.monthly_fees import option_monthly_fee
from pricing.proration import month_cap, overage_blocks, prorate, service_days

__all__ = ["EXPORT_MENTION", "REVERSE_CHARGE_MENTION", "rate_account_month"]

REVERSE_CHARGE_MENTION = "Autoliquidation"
EXPORT_MENTION = "TVA non applicable, art. 259-1 du CGI"  # §5, word for word
ZERO_RATE = Decimal("0.00")

_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _month_fr(month: Month) -> str:
    return f"{_MONTHS_FR[month.month - 1]} {month.year}"


def _hours(value: Decimal) -> str:
    """Hours as a plain decimal string ("2.5", "4"), never an exponent."""
    return f"{value.normalize():f}"


def _period_label(base: str, month: Month, days: int) -> str:
    return f"{base} — {_month_fr(month)} ({days}/{month.days} jours)"


def _earliest_end(a: date | None, b: date | None) -> date | None:
    """The earlier of two optional end dates (None = still running), for interval intersection."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _option_days(inputs: AccountMonth, interval: OptionInterval) -> int:
    """§5.2: the option's own interval (inclusive) intersected with the service interval, in month M."""
    start = max(interval.accepted_on, inputs.service_start)
    end = _earliest_end(interval.ended_on, inputs.service_end)
    return service_days(inputs.month, start, end)


def _plan_line(inputs: AccountMonth, plan: PlanPrice, days: int) -> InvoiceLine:
    # §5.1, art. 10.2: fee × service days / days in month, start and end inclusive.
    month = inputs.month
    return InvoiceLine(
        kind=LineKind.PLAN_FEE,
        label=_period_label(f"Forfait {plan.name}", month, days),
        quantity=f"{days}/{month.days}",
        unit_price=plan.monthly_fee,
        amount=prorate(plan.monthly_fee, days, month.days),
        details={"plan": plan.code, "service_days": days, "days_in_month": month.days},
    )


def _option_lines(inputs: AccountMonth, grid: PriceGrid, plan: PlanPrice) -> list[InvoiceLine]:
    """§5.2 (branding removal art. 8, reference opt-out art. 17.1) and §5.3 pack fees (art. 12.3)."""
    month = inputs.month
    lines: list[InvoiceLine] = []
    for interval in sorted(inputs.options, key=lambda o: (o.accepted_on, o.option, o.pack or "")):
        if interval.option not in OPTION_KINDS:
            raise InvalidInput(f"unknown option {interval.option!r}", field="option")
        days = _option_days(inputs, interval)
        if days == 0:
            continue
        details: dict[str, str | int] = {
            "from": max(interval.accepted_on, inputs.service_start, month.first_day).isoformat(),
            "days": days,
            "days_in_month": month.days,
        }
        # §4 Decision, art. 8, 17.1, 12.3: the option's monthly fee, priced in one place; §5.2-5.3 prorate it.
        monthly = option_monthly_fee(grid, plan, interval.option, interval.pack)
        if interval.option == "branding_removal":
            base = "Retrait de la mention FLEXIO"
        elif interval.option == "reference_opt_out":
            base = "Opposition aux références commerciales"
        else:
            pack = _pack_of(grid, interval)
            base = f"Accompagnement Avancé {pack.code}"
            details["pack"] = pack.code
        amount = prorate(monthly, days, month.days)
        if interval.option != "advanced_support" and amount.is_zero():
            continue  # §5: a zero line with no information is left out
        lines.append(
            InvoiceLine(
                kind=LineKind(interval.option),  # an option line is named for its option
                label=_period_label(base, month, days),
                quantity=f"{days}/{month.days}",
                unit_price=monthly.to_cents(),
                amount=amount,
                details=details,
            )
        )
    return lines


def _pack_of(grid: PriceGrid, interval: OptionInterval) -> SupportPack:
    if not interval.pack:
        raise InvalidInput("an Advanced Support option needs a pack", field="pack")
    return grid.support_pack(interval.pack)


def _support_pack_in_month(inputs: AccountMonth, grid: PriceGrid) -> SupportPack | None:
    """§5.3: the pack active in M; with several intervals, the latest one (by acceptance date)."""
    active = [o for o in inputs.options if o.option == "advanced_support" and _option_days(inputs, o) > 0]
    if not active:
        return None
    latest = max(active, key=lambda o: (o.accepted_on, o.ended_on or date.max))
    return _pack_of(grid, latest)


def _support_extra_line(inputs: AccountMonth, pack: SupportPack) -> InvoiceLine | None:
    # §5.3 Decision: included hours are not prorated and do not carry over.
    extra = inputs.support_hours_used - pack.hours
    if extra <= 0:
        return None
    return InvoiceLine(
        kind=LineKind.SUPPORT_EXTRA_HOURS,
        label=f"Heures d'accompagnement au-delà du forfait {pack.code}",
        quantity=_hours(extra),
        unit_price=pack.extra_hour_price,
        amount=(pack.extra_hour_price * extra).to_cents(),
        details={
            "pack": pack.code,
            "hours_used": _hours(inputs.support_hours_used),
            "hours_included": _hours(pack.hours),
        },
    )


def _overage_line(inputs: AccountMonth, plan: PlanPrice, days: int) -> InvoiceLine | None:
    # §5.4, art. 10.1: cap_M prorated (ceil, customer's favour) in a partial month; started blocks.
    if days == 0:
        return None  # no service day: no cap and nothing to bill (usage after the end is refused, §7b)
    month = inputs.month
    cap = month_cap(plan.included_credits, month, inputs.service_start, inputs.service_end)
    excess = max(0, inputs.credits - cap)
    if excess == 0:
        return None  # §5: nothing to bill and nothing the customer needs to see
    blocks = overage_blocks(excess, plan.overage_block_credits)
    block_price = Money(plan.overage_block_price)
    details: dict[str, str | int] = {
        "consumed": inputs.credits,
        "cap": cap,
        "excess": excess,
        "blocks": blocks,
        "block_credits": plan.overage_block_credits,
        "block_price": f"{plan.overage_block_price:f}",
    }
    if inputs.late_usage:
        # §7: usage stamped in a closed month is shown with its original month.
        late = sorted(inputs.late_usage, key=lambda u: u.origin_month)
        details["late_usage"] = "; ".join(f"{u.origin_month}: {u.credits}" for u in late)
        details["late_usage_credits"] = sum(u.credits for u in late)
    return InvoiceLine(
        kind=LineKind.OVERAGE,
        label=f"Dépassement de forfait — {_month_fr(month)}",
        quantity=str(blocks),
        unit_price=block_price,
        amount=(block_price * blocks).to_cents(),  # §3: up to 6 decimals, line rounded
        details=details,
    )


def _installation_line(inputs: AccountMonth) -> InvoiceLine | None:
    # §5.5, art. 10.2: on the first invoice only, i.e. the month of service start.
    if inputs.month != Month.of(inputs.service_start) or inputs.installation_fee.is_zero():
        return None
    fee = inputs.installation_fee.to_cents()
    return InvoiceLine(
        kind=LineKind.INSTALLATION_FEE,
        label="Frais d'installation",
        quantity="1",
        unit_price=fee,
        amount=fee,
        details={"service_start": inputs.service_start.isoformat()},
    )


def _intervention_lines(inputs: AccountMonth, grid: PriceGrid) -> list[InvoiceLine]:
    # §5.6, art. 7.2, 12.6: hours × specific-development rate, one line per intervention.
    rate = grid.specific_development_rate
    lines: list[InvoiceLine] = []
    for item in sorted(inputs.interventions, key=lambda i: (i.on, i.description)):
        amount = (rate * item.hours).to_cents()
        if amount.is_zero():
            continue
        lines.append(
            InvoiceLine(
                kind=LineKind.INTERVENTION,
                label=f"Développement spécifique — {item.on:%d/%m/%Y} — {item.description}",
                quantity=_hours(item.hours),
                unit_price=rate,
                amount=amount,
                details={"on": item.on.isoformat(), "description": item.description},
            )
        )
    return lines


def _termination_line(inputs: AccountMonth) -> InvoiceLine | None:
    # §5.7, art. 14: monthly fees still due for the current period, computed by the caller.
    indemnity = inputs.early_termination_indemnity
    if indemnity is None or indemnity.is_zero():
        return None
    amount = indemnity.to_cents()
    details: dict[str, str | int] = {}
    if inputs.service_end is not None:
        details["service_end"] = inputs.service_end.isoformat()
    return InvoiceLine(
        kind=LineKind.EARLY_TERMINATION,
        label="Indemnité de résiliation anticipée",
        quantity="1",
        unit_price=amount,
        amount=amount,
        details=details,
    )


def _penalty_line(
    inputs: AccountMonth, subtotal: Money, issue_date: date
) -> tuple[InvoiceLine | None, tuple[PenaltyAllocation, ...]]:
    # §5.8, art. 10.2, 12, 13: credits granted on or before the issue date, oldest first, capped
    # by the subtotal (never below zero); the rest carries forward.
    usable = [c for c in inputs.penalty_credits if c.granted_on <= issue_date]
    allocations = allocate_penalty_credits(subtotal, usable)
    used = money_sum([a.amount for a in allocations])
    if used.is_zero():
        return None, ()
    available = money_sum([c.remaining for c in usable if c.remaining.is_positive()])
    line = InvoiceLine(
        kind=LineKind.PENALTY_CREDIT,
        label="Dédommagement (pénalités)",
        quantity="1",
        unit_price=None,
        amount=-used,
        details={
            "credits": ", ".join(a.credit_id for a in allocations),
            "available": str(available),
            "applied": str(used),
            "carried_forward": str(available - used),
        },
    )
    return line, allocations


def _vat(inputs: AccountMonth, vat_rate: Decimal) -> tuple[Decimal, str | None]:
    # §5: standard → French rate; reverse_charge → 0 % "Autoliquidation"; export → 0 %, art. 259-1 CGI.
    if inputs.vat_regime == VatRegime.STANDARD:
        return vat_rate, None
    if inputs.vat_regime == VatRegime.REVERSE_CHARGE:
        return ZERO_RATE, REVERSE_CHARGE_MENTION
    if inputs.vat_regime == VatRegime.EXPORT:
        return ZERO_RATE, EXPORT_MENTION
    raise InvalidInput(f"unknown VAT regime {inputs.vat_regime!r}", field="vat_regime")


def _month_lines(inputs: AccountMonth, grid: PriceGrid) -> list[InvoiceLine]:
    """The lines §5.1-5.7 of one account-month, before penalty credits, in §5's order."""
    plan = grid.plan(inputs.plan)
    days = service_days(inputs.month, inputs.service_start, inputs.service_end)
    lines: list[InvoiceLine] = []
    if days:
        lines.append(_plan_line(inputs, plan, days))
    lines.extend(_option_lines(inputs, grid, plan))
    pack = _support_pack_in_month(inputs, grid)
    if pack is not None:
        extra = _support_extra_line(inputs, pack)
        info = {"hours_used": _hours(inputs.support_hours_used), "hours_included": _hours(pack.hours)}
        for i, line in enumerate(lines):  # §5.3: the invoice shows hours used / included
            if line.kind == LineKind.ADVANCED_SUPPORT:
                lines[i] = replace(line, details={**line.details, **info})
        if extra is not None:
            lines.append(extra)
    for optional in (_overage_line(inputs, plan, days), _installation_line(inputs)):
        if optional is not None:
            lines.append(optional)
    lines.extend(_intervention_lines(inputs, grid))
    termination = _termination_line(inputs)
    if termination is not None:
        lines.append(termination)
    return lines


def _catch_up_line(
    line: InvoiceLine, period: Month, amount: Money, billed: Money, quantity: str | None = None
) -> InvoiceLine:
    """A line of a closed month, named after it ("rattrapage"), carrying ``period`` (§7b, API.md)."""
    details = {**line.details, "period": str(period)}
    if billed.is_zero():
        return replace(line, label=f"{line.label} (rattrapage {_month_fr(period)})", period=period, details=details)
    details["due_for_period"] = str(line.amount)
    details["already_billed"] = str(billed)
    return replace(
        line,
        label=f"{line.label} (rattrapage {_month_fr(period)}, complément)",
        quantity=line.quantity if quantity is None else quantity,
        amount=amount,
        period=period,
        details=details,
    )


def _complement_quantity(of_kind: list[InvoiceLine], billed: Money) -> str:
    """The quantity a complement bills: the month's quantity now minus the quantity already billed.

    §3, §7b: every printed line reads quantity × unit price = amount. A complement bills the month's
    amount minus what was billed, so its quantity is the month's quantity minus the billed one
    (26 blocks now, 40.00 billed at 2.50 = 16 blocks: 10 blocks for 25.00), not the whole month's.
    The billed quantity is the billed amount over the unit price, to the quantity's own step (blocks
    to the unit, hours to the hundredth, prorated days "14/28" to the day): each billed amount was
    such a quantity × that price rounded to the cent, so the division gives it back.
    """
    line = of_kind[-1]
    price = line.unit_price
    if price is None or not price.is_positive() or any(other.unit_price != price for other in of_kind):
        return line.quantity  # one fee (installation, indemnity) or prices that differ: as rated
    if "/" in line.quantity:
        month_days = int(line.quantity.split("/")[1])
        days = sum(int(other.quantity.split("/")[0]) for other in of_kind)
        billed_days = round_half_up(billed.amount * month_days / price.amount, Decimal(1))
        return f"{days - int(billed_days)}/{month_days}"
    step = Decimal("0.01") if line.kind in (LineKind.SUPPORT_EXTRA_HOURS, LineKind.INTERVENTION) else Decimal(1)
    quantity = sum((Decimal(other.quantity) for other in of_kind), Decimal(0))
    return _hours(quantity - round_half_up(billed.amount / price.amount, step))


def _catch_up_lines(past: CatchUpMonth) -> list[InvoiceLine]:
    """§7, §7b: a closed month rated again with its own inputs, minus what was already billed for it.

    Per line kind: what the month's own rating gives now (its grid, proration and service days,
    every fact dated in it, its whole usage at its own cap) minus what the invoices issued so far
    billed for it. Only what is still due is billed: an issued invoice is never lowered here (a
    reduction is a credit note, §7). Late usage is shown with its original month even when it
    adds no overage (§5.4), as a zero overage line that says so.
    """
    period = past.inputs.month
    full = _month_lines(past.inputs, past.grid)
    billed: dict[str, Money] = {}
    for item in past.billed:
        billed[item.kind] = billed.get(item.kind, Money.zero()) + item.amount
    lines: list[InvoiceLine] = []
    kinds = list(dict.fromkeys(line.kind for line in full))
    for kind in kinds:
        of_kind = [line for line in full if line.kind == kind]
        already = billed.get(kind, Money.zero())
        due = money_sum([line.amount for line in of_kind]) - already
        if already.is_zero():
            lines.extend(_catch_up_line(line, period, line.amount, already) for line in of_kind if line.amount.is_positive())
        elif due.is_positive():
            lines.append(_catch_up_line(of_kind[-1], period, due.to_cents(), already, _complement_quantity(of_kind, already)))
    if past.late_credits:
        overage = next((i for i, line in enumerate(lines) if line.kind == LineKind.OVERAGE), None)
        late: dict[str, str | int] = {"late_usage": f"{period}: {past.late_credits}", "late_usage_credits": past.late_credits}
        if overage is not None:
            lines[overage] = replace(lines[overage], details={**lines[overage].details, **late})
        else:
            lines.append(_late_usage_without_overage(past, late))
    return lines


def _late_usage_without_overage(past: CatchUpMonth, late: dict[str, str | int]) -> InvoiceLine:
    # §5.4: late usage is shown with its original month even when it adds no overage.
    inputs = past.inputs
    plan = past.grid.plan(inputs.plan)
    cap = month_cap(plan.included_credits, inputs.month, inputs.service_start, inputs.service_end)
    return InvoiceLine(
        kind=LineKind.OVERAGE,
        label=f"Consommation déclarée en retard — {_month_fr(inputs.month)} (sans dépassement supplémentaire)",
        quantity="0",
        unit_price=Money(plan.overage_block_price),
        amount=Money.zero().to_cents(),
        details={"consumed": inputs.credits, "cap": cap, "excess": max(0, inputs.credits - cap), "blocks": 0,
                 "period": str(inputs.month), **late},
        period=inputs.month,
    )


def rate_account_month(
    inputs: AccountMonth, grid: PriceGrid, issue_date: date, vat_rate: Decimal
) -> InvoiceDraft | None:
    """Compute the invoice of ``inputs.month`` for one account, or ``None`` when there is none.

    ``grid`` is the version in force on the 1st of the month (§4); ``vat_rate`` is the rate in force on
    ``issue_date`` (§4, art. 10.1), both chosen by the caller. ``None`` for freemium accounts (§9) and
    for a month with no service day and nothing else to bill; a zero-total invoice is still returned
    when the account was in service (§5.8).
    """
    if inputs.freemium:
        return None  # §9: freemium accounts are never invoiced
    if inputs.payment_method not in PAYMENT_METHODS:
        raise InvalidInput(f"unknown payment method {inputs.payment_method!r}", field="payment_method")
    rate, mention = _vat(inputs, vat_rate)
    month = inputs.month
    days = service_days(month, inputs.service_start, inputs.service_end)
    own = _month_lines(inputs, grid)
    catch_up = [line for past in sorted(inputs.catch_up, key=lambda c: c.inputs.month) for line in _catch_up_lines(past)]
    # §7b example: the catch-up lines of earlier months come first, then the month's own lines.
    lines = catch_up + own

    if days == 0 and not lines:
        return None  # nothing happened in the month for this account

    subtotal = money_sum([line.amount for line in lines])
    penalty, allocations = _penalty_line(inputs, subtotal, issue_date)
    if penalty is not None:
        lines.append(penalty)

    total_ht = money_sum([line.amount for line in lines]).to_cents()
    total_vat = Money(round_half_up(total_ht.amount * rate / Decimal(100)))  # §3: VAT on the total HT
    total_ttc = total_ht + total_vat
    due = due_date(issue_date)
    is_debit = inputs.payment_method == PaymentMethod.SEPA_DEBIT
    return InvoiceDraft(
        account=inputs.account,
        month=month,
        issue_date=issue_date,
        due_date=due,
        dispute_deadline=dispute_deadline(issue_date),
        lines=tuple(lines),
        total_ht=total_ht,
        vat_rate=rate,
        total_vat=total_vat,
        total_ttc=total_ttc,
        vat_mention=mention,
        payment_method=PaymentMethod(inputs.payment_method),
        collection_date=collection_date(due) if is_debit else None,  # §8: direct debit only
        mandate_reference=inputs.mandate_reference if is_debit else None,
        penalty_allocations=allocations,
        grid_version=grid.version,
    )
