"""Price grid payloads and the catalogue of versions (BILLING_RULES §4, art. 15.3)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application

from ledger.errors import InvalidInput, NotFound
from ledger.grid_catalogue import PriceGridCatalogue, grid_from_dict, grid_to_dict
from ledger.money import Money


def grid_payload(**changes: Any) -> dict[str, Any]:
    """The example body of API.md "Price grid", with top-level fields overridden."""
    payload: dict[str, Any] = {
        "version": "2026-A",
        "effective_from": "2026-01-01",
        "notified_on": "2025-11-20",
        "vat_rate": "20.00",
        "plans": [
            {
                "code": "PRO",
                "name": "Flexio Pro",
                "monthly_fee": "500.00",
                "included_credits": 40000,
                "overage_block_credits": 500,
                "overage_block_price": "2.50",
            }
        ],
        "options": {
            "branding_removal": {"percent_of_plan": "10.00"},
            "reference_opt_out": {"monthly_fee": "40.00"},
            "advanced_support": [
                {"code": "AS4", "hours": 4, "monthly_fee": "380.00", "extra_hour_price": "95.00"}
            ],
        },
        "hourly_rates": {"specific_development": "100.00"},
    }
    payload.update(changes)
    return payload


def test_parses_the_api_example() -> None:
    grid = grid_from_dict(grid_payload())
    assert grid.version == "2026-A"
    assert grid.effective_from == date(2026, 1, 1)
    assert grid.vat_rate == Decimal("20.00")
    plan = grid.plan("PRO")
    assert plan.monthly_fee == Money.of("500.00")
    assert (plan.included_credits, plan.overage_block_credits) == (40000, 500)
    assert plan.overage_block_price == Decimal("2.50")
    assert grid.branding_removal.monthly_price(Money.of("500.00")) == Money.of("50.00")
    assert grid.reference_opt_out_fee == Money.of("40.00")
    assert grid.support_pack("AS4").hours == Decimal(4)
    assert grid.specific_development_rate == Money.of("100.00")


def test_grid_to_dict_is_the_inverse_and_stays_primitive() -> None:
    grid = grid_from_dict(grid_payload())
    payload = grid_to_dict(grid)
    assert grid_from_dict(payload) == grid
    assert payload["plans"][0]["monthly_fee"] == "500.00"
    assert payload["options"]["advanced_support"][0]["hours"] == "4"

    def primitive(value: Any) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and primitive(v) for k, v in value.items())
        if isinstance(value, list):
            return all(primitive(v) for v in value)
        return value is None or isinstance(value, (str, int, bool))

    assert primitive(payload)


def test_branding_removal_may_be_a_fixed_fee() -> None:
    payload = grid_payload()
    payload["options"]["branding_removal"] = {"monthly_fee": "30.00"}
    grid = grid_from_dict(payload)
    assert grid.branding_removal.monthly_price(Money.of("500.00")) == Money.of("30.00")
    assert grid_to_dict(grid)["options"]["branding_removal"] == {"monthly_fee": "30.00"}


def test_overage_block_price_takes_up_to_six_decimals() -> None:
    payload = grid_payload()
    payload["plans"][0]["overage_block_price"] = "0.004125"
    assert grid_from_dict(payload).plan("PRO").overage_block_price == Decimal("0.004125")


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(grid_payload())
    node: Any = payload
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return payload


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["plans", 0, "monthly_fee"], "0.00", "plans[0].monthly_fee"),
        (["plans", 0, "monthly_fee"], "-500.00", "plans[0].monthly_fee"),
        (["plans", 0, "monthly_fee"], 500.0, "plans[0].monthly_fee"),  # a float
        (["plans", 0, "monthly_fee"], "cinq cents", "plans[0].monthly_fee"),
        (["plans", 0, "monthly_fee"], "500.001", "plans[0].monthly_fee"),
        (["plans", 0, "included_credits"], 0, "plans[0].included_credits"),
        (["plans", 0, "included_credits"], "40000", "plans[0].included_credits"),
        (["plans", 0, "included_credits"], 400.5, "plans[0].included_credits"),
        (["plans", 0, "included_credits"], True, "plans[0].included_credits"),
        (["plans", 0, "overage_block_credits"], -500, "plans[0].overage_block_credits"),
        (["plans", 0, "overage_block_price"], "2.5000001", "plans[0].overage_block_price"),
        (["plans", 0, "overage_block_price"], "0", "plans[0].overage_block_price"),
        (["plans", 0, "code"], "", "plans[0].code"),
        (["plans", 0, "name"], _DELETE, "plans[0].name"),
        (["plans"], [], "plans"),
        (["plans"], _DELETE, "plans"),
        (["vat_rate"], "-1", "vat_rate"),
        (["vat_rate"], "100.01", "vat_rate"),
        (["effective_from"], "2026-13-01", "effective_from"),
        (["notified_on"], "20/11/2025", "notified_on"),
        (["version"], "", "version"),
        (["options", "branding_removal"], {}, "options.branding_removal"),
        (
            ["options", "branding_removal"],
            {"percent_of_plan": "10.00", "monthly_fee": "30.00"},
            "options.branding_removal",
        ),
        (["options", "branding_removal", "percent_of_plan"], "0", "options.branding_removal.percent_of_plan"),
        (["options", "reference_opt_out", "monthly_fee"], "0.00", "options.reference_opt_out.monthly_fee"),
        (["options", "advanced_support", 0, "hours"], 0, "options.advanced_support[0].hours"),
        (
            ["options", "advanced_support", 0, "extra_hour_price"],
            "-95.00",
            "options.advanced_support[0].extra_hour_price",
        ),
        (["hourly_rates", "specific_development"], "0", "hourly_rates.specific_development"),
        (["hourly_rates"], _DELETE, "hourly_rates"),
    ],
)
def test_refuses_bad_grid_fields_naming_them(path: list[str | int], value: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        grid_from_dict(_with(path, value))
    assert caught.value.field == field


def test_refuses_duplicate_plan_codes() -> None:
    payload = grid_payload()
    payload["plans"].append(dict(payload["plans"][0]))
    with pytest.raises(InvalidInput) as caught:
        grid_from_dict(payload)
    assert caught.value.field == "plans[1].code"


def test_refuses_duplicate_pack_codes() -> None:
    payload = grid_payload()
    payload["options"]["advanced_support"].append(dict(payload["options"]["advanced_support"][0]))
    with pytest.raises(InvalidInput) as caught:
        grid_from_dict(payload)
    assert caught.value.field == "options.advanced_support[1].code"


# --- the catalogue ---------------------------------------------------------------------------------


def test_catalogue_id_is_fixed() -> None:
    assert PriceGridCatalogue.create_id() == PriceGridCatalogue.create_id()
    assert PriceGridCatalogue().id == PriceGridCatalogue.create_id()


def test_the_grid_in_force_is_the_latest_effective_on_that_day() -> None:
    catalogue = PriceGridCatalogue()
    assert catalogue.first_effective_from() is None
    catalogue.publish(grid_from_dict(grid_payload()))
    # 2026-B notified 2026-02-27, effective 2026-04-01: more than one month's notice.
    catalogue.publish(
        grid_from_dict(grid_payload(version="2026-B", effective_from="2026-04-01", notified_on="2026-02-27"))
    )
    assert catalogue.first_effective_from() == date(2026, 1, 1)
    assert catalogue.in_force(date(2026, 3, 31)).version == "2026-A"
    assert catalogue.in_force(date(2026, 4, 1)).version == "2026-B"
    assert [g.version for g in catalogue.versions()] == ["2026-A", "2026-B"]
    assert catalogue.find("2026-B") is not None and catalogue.find("2027-A") is None
    with pytest.raises(NotFound):
        catalogue.in_force(date(2025, 12, 31))


def test_a_new_version_notified_exactly_one_month_ahead_is_accepted() -> None:
    catalogue = PriceGridCatalogue()
    catalogue.publish(grid_from_dict(grid_payload()))
    # 2026-03-01 + 1 month = 2026-04-01: just enough notice (art. 15.3).
    catalogue.publish(
        grid_from_dict(grid_payload(version="2026-B", effective_from="2026-04-01", notified_on="2026-03-01"))
    )


def test_refuses_a_new_version_with_less_than_one_month_notice() -> None:
    catalogue = PriceGridCatalogue()
    catalogue.publish(grid_from_dict(grid_payload()))
    # notified 2026-03-02: earliest effective date 2026-04-02, so 2026-04-01 is too soon.
    late = grid_from_dict(
        grid_payload(version="2026-B", effective_from="2026-04-01", notified_on="2026-03-02")
    )
    with pytest.raises(InvalidInput) as caught:
        catalogue.publish(late)
    assert caught.value.field == "notified_on"
    assert len(catalogue.versions()) == 1


def test_the_first_version_needs_no_notice() -> None:
    catalogue = PriceGridCatalogue()
    catalogue.publish(grid_from_dict(grid_payload(notified_on="2026-01-01")))
    assert catalogue.in_force(date(2026, 1, 1)).version == "2026-A"


def test_refuses_a_version_not_starting_on_the_first_of_a_month() -> None:
    catalogue = PriceGridCatalogue()
    with pytest.raises(InvalidInput) as caught:
        catalogue.publish(grid_from_dict(grid_payload(effective_from="2026-01-15")))
    assert caught.value.field == "effective_from"


def test_refuses_a_duplicate_version() -> None:
    catalogue = PriceGridCatalogue()
    catalogue.publish(grid_from_dict(grid_payload()))
    with pytest.raises(InvalidInput) as caught:
        catalogue.publish(grid_from_dict(grid_payload(effective_from="2026-06-01", notified_on="2026-03-01")))
    assert caught.value.field == "version"


@pytest.mark.parametrize("effective_from", ["2026-01-01", "2025-12-01"])
def test_refuses_a_version_not_after_the_latest(effective_from: str) -> None:
    catalogue = PriceGridCatalogue()
    catalogue.publish(grid_from_dict(grid_payload()))
    with pytest.raises(InvalidInput) as caught:
        catalogue.publish(
            grid_from_dict(
                grid_payload(version="2026-B", effective_from=effective_from, notified_on="2025-01-01")
            )
        )
    assert caught.value.field == "effective_from"


def test_catalogue_survives_a_round_trip_through_the_event_store() -> None:
    app: Application[UUID] = Application()
    catalogue = PriceGridCatalogue()
    catalogue.publish(grid_from_dict(grid_payload()))
    app.save(catalogue)
    loaded: PriceGridCatalogue = app.repository.get(PriceGridCatalogue.create_id())
    assert loaded.in_force(date(2026, 2, 1)) == grid_from_dict(grid_payload())
    assert [type(e).__name__ for e in app.repository.event_store.get(catalogue.id)] == [
        "Created",
        "GridPublished",
    ]
