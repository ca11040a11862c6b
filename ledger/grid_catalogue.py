"""The catalogue of price grid versions (BILLING_RULES §4, art. 10.1 and 15.3).

Grids are data, never code: finance publishes versions through the API, and every version is kept
so that any past month can be priced again with the grid that was in force then. A version cannot
be changed once published; a new price is a new version, notified at least one month ahead.

The catalogue is one aggregate (a singleton) so that the uniqueness and ordering rules are checked
against every version under one optimistic lock.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from dateutil.relativedelta import relativedelta
from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.grid import BrandingRemovalPrice, PlanPrice, PriceGrid, SupportPack
from ledger.input_checks import (
    MAX_AMOUNT,
    clean_text,
    decimal_str,
    money_str,
    require_date,
    require_decimal,
    require_hours,
    require_mapping,
    require_money,
    require_positive_decimal,
    require_positive_int,
    require_text,
)

CATALOGUE_NAME = "flexio-billing:price-grid-catalogue"


# --- payload <-> PriceGrid -------------------------------------------------------------------------


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInput(f"{field} must be a list", field=field)
    return value


def _parse_plan(raw: Any, field: str) -> PlanPrice:
    item = require_mapping(raw, field)
    return PlanPrice(
        code=require_text(item.get("code"), f"{field}.code", max_length=64),
        name=require_text(item.get("name"), f"{field}.name", max_length=200),
        monthly_fee=require_money(item.get("monthly_fee"), f"{field}.monthly_fee", positive=True),
        included_credits=require_positive_int(item.get("included_credits"), f"{field}.included_credits"),
        overage_block_credits=require_positive_int(
            item.get("overage_block_credits"), f"{field}.overage_block_credits"
        ),
        # §3: overage unit prices may carry up to 6 decimals; the invoice line is rounded.
        overage_block_price=require_positive_decimal(
            item.get("overage_block_price"), f"{field}.overage_block_price", max_places=6, max_abs=MAX_AMOUNT
        ),
    )


def _parse_branding(raw: Any, field: str) -> BrandingRemovalPrice:
    """§4 **Decision**: exactly one of a percent of the plan fee or a fixed monthly fee (art. 8)."""
    item = require_mapping(raw, field)
    has_percent = item.get("percent_of_plan") is not None
    has_fee = item.get("monthly_fee") is not None
    if has_percent == has_fee:
        raise InvalidInput(f"{field} takes exactly one of percent_of_plan or monthly_fee", field=field)
    if has_percent:
        percent = require_positive_decimal(item["percent_of_plan"], f"{field}.percent_of_plan")
        if percent > 100:
            raise InvalidInput(
                f"{field}.percent_of_plan must be at most 100", field=f"{field}.percent_of_plan"
            )
        return BrandingRemovalPrice(percent_of_plan=percent)
    return BrandingRemovalPrice(
        monthly_fee=require_money(item["monthly_fee"], f"{field}.monthly_fee", positive=True)
    )


def _parse_pack(raw: Any, field: str) -> SupportPack:
    item = require_mapping(raw, field)
    return SupportPack(
        code=require_text(item.get("code"), f"{field}.code", max_length=32),
        hours=require_hours(item.get("hours"), f"{field}.hours"),
        monthly_fee=require_money(item.get("monthly_fee"), f"{field}.monthly_fee", positive=True),
        extra_hour_price=require_money(
            item.get("extra_hour_price"), f"{field}.extra_hour_price", positive=True
        ),
    )


def grid_from_dict(payload: dict[str, Any]) -> PriceGrid:
    """Parse the body of ``POST /v1/admin/price-grids`` (API.md "Price grid") into a :class:`PriceGrid`.

    Rules checked here are those of one version alone; the rules between versions (ordering,
    notice) are the catalogue's (:meth:`PriceGridCatalogue.publish`).
    """
    body = require_mapping(payload, "body")
    version = require_text(body.get("version"), "version", max_length=64)
    effective_from = require_date(body.get("effective_from"), "effective_from")
    notified_on = require_date(body.get("notified_on"), "notified_on")
    # API.md: optional; when given, it records that VAT rate from effective_from (§4: VAT rates
    # live in their own table, ledger/vat_rates.py).
    vat_rate: Decimal | None = None
    if body.get("vat_rate") is not None:
        vat_rate = require_decimal(body.get("vat_rate"), "vat_rate", max_places=2)
        if not Decimal(0) <= vat_rate <= Decimal(100):
            raise InvalidInput("vat_rate must be a percent between 0 and 100", field="vat_rate")

    raw_plans = _list(body.get("plans"), "plans")
    if not raw_plans:
        raise InvalidInput("a price grid needs at least one plan", field="plans")
    plans: dict[str, PlanPrice] = {}
    for index, raw in enumerate(raw_plans):
        plan = _parse_plan(raw, f"plans[{index}]")
        if plan.code in plans:
            raise InvalidInput(f"duplicate plan code {plan.code!r}", field=f"plans[{index}].code")
        plans[plan.code] = plan

    options = require_mapping(body.get("options"), "options")
    branding = _parse_branding(options.get("branding_removal"), "options.branding_removal")
    opt_out = require_mapping(options.get("reference_opt_out"), "options.reference_opt_out")
    opt_out_fee = require_money(
        opt_out.get("monthly_fee"), "options.reference_opt_out.monthly_fee", positive=True
    )
    packs: dict[str, SupportPack] = {}
    raw_packs = options.get("advanced_support")
    for index, raw in enumerate(_list([] if raw_packs is None else raw_packs, "options.advanced_support")):
        field = f"options.advanced_support[{index}]"
        pack = _parse_pack(raw, field)
        if pack.code in packs:
            raise InvalidInput(f"duplicate Advanced Support pack code {pack.code!r}", field=f"{field}.code")
        packs[pack.code] = pack

    rates = require_mapping(body.get("hourly_rates"), "hourly_rates")
    development_rate = require_money(
        rates.get("specific_development"), "hourly_rates.specific_development", positive=True
    )

    raw_extra = body.get("extra") or {}
    extra = require_mapping(raw_extra, "extra")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
        raise InvalidInput("extra must map strings to strings", field="extra")
    if len(extra) > 50:
        raise InvalidInput("extra holds at most 50 entries", field="extra")
    extra = {
        clean_text(k, "extra", max_length=64): clean_text(v, f"extra.{k}", max_length=2000)
        for k, v in extra.items()
    }

    return PriceGrid(
        version=version,
        effective_from=effective_from,
        notified_on=notified_on,
        vat_rate=vat_rate,
        plans=plans,
        branding_removal=branding,
        reference_opt_out_fee=opt_out_fee,
        support_packs=packs,
        specific_development_rate=development_rate,
        extra=dict(extra),
    )


def grid_to_dict(grid: PriceGrid) -> dict[str, Any]:
    """The API shape of a grid; the inverse of :func:`grid_from_dict`, and what events store.

    Only str/int/list/dict values, so eventsourcing's default JSON transcoder can store it.
    """
    branding: dict[str, str] = {}
    if grid.branding_removal.percent_of_plan is not None:
        branding["percent_of_plan"] = decimal_str(grid.branding_removal.percent_of_plan)
    if grid.branding_removal.monthly_fee is not None:
        branding["monthly_fee"] = money_str(grid.branding_removal.monthly_fee)
    payload: dict[str, Any] = {
        "version": grid.version,
        "effective_from": grid.effective_from.isoformat(),
        "notified_on": grid.notified_on.isoformat(),
        "plans": [
            {
                "code": plan.code,
                "name": plan.name,
                "monthly_fee": money_str(plan.monthly_fee),
                "included_credits": plan.included_credits,
                "overage_block_credits": plan.overage_block_credits,
                "overage_block_price": decimal_str(plan.overage_block_price),
            }
            for plan in grid.plans.values()
        ],
        "options": {
            "branding_removal": branding,
            "reference_opt_out": {"monthly_fee": money_str(grid.reference_opt_out_fee)},
            "advanced_support": [
                {
                    "code": pack.code,
                    "hours": decimal_str(pack.hours),
                    "monthly_fee": money_str(pack.monthly_fee),
                    "extra_hour_price": money_str(pack.extra_hour_price),
                }
                for pack in grid.support_packs.values()
            ],
        },
        "hourly_rates": {"specific_development": money_str(grid.specific_development_rate)},
    }
    if grid.vat_rate is not None:
        payload["vat_rate"] = decimal_str(grid.vat_rate)
    if grid.extra:
        payload["extra"] = dict(grid.extra)
    return payload


# --- the catalogue aggregate -----------------------------------------------------------------------


class PriceGridCatalogue(Aggregate):
    """Every published grid version, in publication order (which is also effective_from order).

    State holds the published payloads (primitive dicts) rather than :class:`PriceGrid` objects, so
    that a snapshot of the aggregate transcodes like its events do.
    """

    @staticmethod
    def create_id() -> UUID:
        """One catalogue per deployment: its id is fixed, so every process finds the same one."""
        return uuid5(NAMESPACE_URL, CATALOGUE_NAME)

    @event("Created")
    def __init__(self) -> None:
        self._grids: list[dict[str, Any]] = []

    def versions(self) -> list[PriceGrid]:
        """All versions, oldest first."""
        return [grid_from_dict(payload) for payload in self._grids]

    def find(self, version: str) -> PriceGrid | None:
        """The version with that code, if published (lets a caller make re-publication idempotent)."""
        for payload in self._grids:
            if payload["version"] == version:
                return grid_from_dict(payload)
        return None

    def first_effective_from(self) -> date | None:
        """When prices first apply; nothing can be billed before (§4)."""
        return date.fromisoformat(self._grids[0]["effective_from"]) if self._grids else None

    def in_force(self, day: date) -> PriceGrid:
        """The version in force on ``day``: the latest whose effective_from is on or before it.

        Callers pricing month M pass M's first day (§4: that version prices the whole month).
        """
        for payload in reversed(self._grids):
            if date.fromisoformat(payload["effective_from"]) <= day:
                return grid_from_dict(payload)
        raise NotFound(f"no price grid is in force on {day.isoformat()}")

    def publish(self, grid: PriceGrid) -> None:
        """Add a version, after checking it against the versions already published (§4, art. 15.3)."""
        self.check_publishable(grid)
        self._grid_published(grid=grid_to_dict(grid))

    def check_publishable(self, grid: PriceGrid) -> None:
        """The rules between versions (§4, art. 15.3); raises a 422 naming the field."""
        if grid.effective_from.day != 1:
            raise InvalidInput(
                "a price grid takes effect on the first day of a month", field="effective_from"
            )
        if any(payload["version"] == grid.version for payload in self._grids):
            raise InvalidInput(f"price grid version {grid.version!r} already exists", field="version")
        if self._grids:
            latest = date.fromisoformat(self._grids[-1]["effective_from"])
            if grid.effective_from <= latest:
                raise InvalidInput(
                    f"effective_from must be after the latest version's ({latest.isoformat()})",
                    field="effective_from",
                )
            # art. 15.3: the customer is told by email one month before the new grid applies.
            earliest = grid.notified_on + relativedelta(months=1)
            if grid.effective_from < earliest:
                raise InvalidInput(
                    f"a new price grid needs one month's notice (art. 15.3): notified on "
                    f"{grid.notified_on.isoformat()}, it cannot take effect before {earliest.isoformat()}",
                    field="notified_on",
                )

    @event("GridPublished")
    def _grid_published(self, grid: dict[str, Any]) -> None:
        self._grids.append(grid)

    def withdraw(self, version: str, reason: str, today: date, used: bool) -> None:
        """Withdraw a version published by mistake, while it is not yet in force (§4) and no contract
        uses it (``used``); it is then as if never published, and may be published again corrected."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        payload = next((p for p in self._grids if p["version"] == version), None)
        if payload is None:
            raise NotFound(f"price grid {version!r} not found", field="version")
        if date.fromisoformat(payload["effective_from"]) <= today:
            raise Conflict(f"price grid {version!r} is already in force: publish a new version instead")
        if used:
            raise Conflict(f"price grid {version!r} prices a signed contract: it cannot be withdrawn")
        self._grid_withdrawn(version=version, reason=why)

    @event("GridWithdrawn")
    def _grid_withdrawn(self, version: str, reason: str) -> None:
        self._grids = [p for p in self._grids if p["version"] != version]
