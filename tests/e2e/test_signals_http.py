"""Contract signals over HTTP (BILLING_RULES §9): freemium inactivity and cap, 30 days of interruption."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post
from support.factories import GRID_2026_A, contract, customer, usage_events

from ledger.clock import FixedClock


def test_signals_report_freemium_accounts_and_long_interruptions(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("gratis"))
    post(client, "/v1/admin/customers/gratis/contract", contract(
        "2026-02-01", plan="START", freemium=True, installation_fee="0.00", payment_method="transfer", mandate=None))
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, "/v1/admin/customers/acme/contract", contract("2026-02-10"))
    # 10 events x 9,000 credits on 11 February = 90,000 credits; START includes 5,000 (full month from 1 Feb)
    response = client.post("/v1/usage", json={"events": usage_events("gratis", 10, credits=9000, prefix="g")},
                           headers=ADMIN)
    assert response.status_code < 300, response.text
    client.put("/v1/admin/customers/acme/sla-terms", json={"restoration_hours": "4", "yearly_max_hours": "20",
                                                            "penalty_per_hour": "50.00"}, headers=ADMIN)
    post(client, "/v1/admin/customers/acme/incidents", {"reference": "INC-1", "notified_at": "2026-02-16T09:00:00+01:00"})
    post(client, "/v1/admin/customers/acme/incidents/INC-1/confirm", {"at": "2026-02-16T10:00:00+01:00"}, 200)

    at(clock, "2026-03-02")
    signals = get(client, "/v1/admin/signals")["signals"]
    kinds = {(s["account"], s["kind"]): s for s in signals}
    assert set(kinds) == {("gratis", "freemium_inactive"), ("gratis", "freemium_over_cap")}
    idle = kinds[("gratis", "freemium_inactive")]
    # last usage 11 Feb; idle 12 Feb .. 1 Mar = 18 whole days (>= 15); a notice today allows termination on 9 March
    assert (idle["since"], idle["details"]["idle_days"]) == ("2026-02-12", 18)
    assert idle["formal_notice"]["termination_possible_from"] == "2026-03-09"
    assert kinds[("gratis", "freemium_over_cap")]["details"] == {"month": "2026-02", "credits": 90000, "cap": 5000,
                                                                 "excess": 85000}
    # INC-1 still open on 18 March 09:00: 30 days since 16 February 09:00 (Paris, no DST change in between)
    at(clock, "2026-03-18", hour=9)
    long = [s for s in get(client, "/v1/admin/signals")["signals"] if s["kind"] == "interruption_30_days"]
    assert [(s["account"], s["since"], s["termination"], s["details"]["days"]) for s in long] == [
        ("acme", "2026-02-16", "common_agreement_after_interruption", 30)]
    assert client.get("/v1/admin/signals?on=yesterday", headers=ADMIN).status_code == 422
