"""SLA terms, incident tickets and yearly penalties over HTTP (art. 12.4, 12.8, 13; BILLING_RULES §6)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post
from support.factories import GRID_2026_A, contract, customer

from ledger.clock import FixedClock

BASE = "/v1/admin/customers/acme"


def two_incidents_in_july(client: TestClient, clock: FixedClock) -> None:
    """acme from 2026-07-01, GTR 4 h, IMS 20 h, 50.00 an hour; INC-1 (6 h) and INC-2 (7 h), see below."""
    at(clock, "2026-06-20")
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, f"{BASE}/contract", contract("2026-07-01"))
    terms = {"restoration_hours": "4", "yearly_max_hours": "20", "penalty_per_hour": "50.00"}
    assert client.put(f"{BASE}/sla-terms", json=terms, headers=ADMIN).status_code == 200

    at(clock, "2026-07-15", hour=8)
    # A: notified Tue 14 July (holiday) 22:00: counted from Wed 15 08:30 to 16:00 = 3.5 + 2.5 = 6 h (2 beyond GTR 4 h)
    post(client, f"{BASE}/incidents", {"reference": "INC-1", "notified_at": "2026-07-14T22:00:00+02:00"})
    post(client, f"{BASE}/incidents/INC-1/confirm", {"at": "2026-07-15T09:00:00+02:00"}, 200)
    a = post(client, f"{BASE}/incidents/INC-1/restore", {"at": "2026-07-15T16:00:00+02:00"}, 200)
    assert (a["counted_from"], a["counted_hours"], a["beyond_restoration_hours"]) == (
        "2026-07-15T08:30:00+02:00", "6.00", "2.00")
    # B: Thu 16 July 08:30-17:00 = 3.5 + 3.5 = 7 h (3 beyond)
    post(client, f"{BASE}/incidents", {"reference": "INC-2", "notified_at": "2026-07-16T08:30:00+02:00"})
    post(client, f"{BASE}/incidents/INC-2/confirm", {"at": "2026-07-16T08:45:00+02:00"}, 200)
    post(client, f"{BASE}/incidents/INC-2/restore", {"at": "2026-07-16T17:00:00+02:00"}, 200)


def test_incidents_give_a_pro_rata_yearly_penalty_that_finance_approves(client: TestClient, clock: FixedClock) -> None:
    two_incidents_in_july(client, clock)
    # A scheduled maintenance of one business day (8 h): free (art. 12.8)
    post(client, f"{BASE}/incidents", {"reference": "MAINT-1", "notified_at": "2026-07-20T08:30:00+02:00",
                                       "scheduled": True})
    post(client, f"{BASE}/incidents/MAINT-1/confirm", {"at": "2026-07-20T08:30:00+02:00"}, 200)
    maint = post(client, f"{BASE}/incidents/MAINT-1/restore", {"at": "2026-07-20T18:00:00+02:00"}, 200)
    assert (maint["business_hours"], maint["counted_hours"]) == ("8.00", "0.00")
    # An unconfirmed ticket counts nothing
    post(client, f"{BASE}/incidents", {"reference": "INC-3", "notified_at": "2026-07-21T09:00:00+02:00"})

    # 2026 is the first year: 184 of 365 days from 1 July, IMS 20 x 184/365 = 10.08 h. Interruptions 6 + 7 = 13 h:
    # IMS excess 2.92 h; GTR excess 2 + 3 = 5 h; 5 h x 50.00 = 250.00
    proposal = get(client, f"{BASE}/sla-penalties/2026")
    assert {k: proposal[k] for k in ("allowance_hours", "interruption_hours", "ims_excess_hours", "gtr_excess_hours",
                                     "penalty_hours", "amount", "incident_on", "tickets", "approved")} == {
        "allowance_hours": "10.08", "interruption_hours": "13.00", "ims_excess_hours": "2.92",
        "gtr_excess_hours": "5.00", "penalty_hours": "5.00", "amount": "250.00", "incident_on": "2026-07-16",
        "tickets": ["INC-1", "INC-2"], "approved": None,
    }
    assert post(client, f"{BASE}/sla-penalties/2026/approve", {}, 409)  # the year is not over

    at(clock, "2027-01-05")
    approved = post(client, f"{BASE}/sla-penalties/2026/approve", {}, 200)
    # §6 cap: no payment was received in [2026-01-16, 2026-07-16], so the credit is capped to 0.00
    assert approved["credit"] == {"id": "sla-2026", "requested": "250.00", "granted": "0.00", "capped": True}
    assert get(client, f"{BASE}/sla-penalties/2026")["approved"] == {"credit_id": "sla-2026", "amount": "0.00"}
    assert post(client, f"{BASE}/sla-penalties/2026/approve", {}, 409)  # never twice


def test_an_approval_interrupted_after_the_grant_is_completed_without_a_second_credit(
    client: TestClient, clock: FixedClock
) -> None:
    two_incidents_in_july(client, clock)
    at(clock, "2027-01-05")
    # The grant of a first approval was saved, then the process stopped before noting the approval.
    post(client, f"{BASE}/penalty-credits", {"id": "sla-2026", "amount": "250.00", "reason": "SLA 2026",
                                             "incident_on": "2026-07-16", "granted_on": "2027-01-05"})
    approved = post(client, f"{BASE}/sla-penalties/2026/approve", {}, 200)
    assert approved["credit"] == {"id": "sla-2026", "requested": "250.00", "granted": "0.00", "capped": True}
    assert get(client, f"{BASE}/sla-penalties/2026")["approved"] == {"credit_id": "sla-2026", "amount": "0.00"}


def test_bad_sla_input_is_refused_and_writes_nothing(client: TestClient, clock: FixedClock) -> None:
    post(client, "/v1/admin/price-grids", GRID_2026_A)
    post(client, "/v1/admin/customers", customer("acme"))
    post(client, f"{BASE}/contract", contract("2026-02-10"))
    bad = [
        client.put(f"{BASE}/sla-terms", json={"restoration_hours": "0", "yearly_max_hours": "20",
                                               "penalty_per_hour": "50"}, headers=ADMIN),
        client.put(f"{BASE}/sla-terms", json={"restoration_hours": "4", "yearly_max_hours": "-1",
                                               "penalty_per_hour": "50"}, headers=ADMIN),
        client.put("/v1/admin/customers/nobody/sla-terms", json={"restoration_hours": "4", "yearly_max_hours": "20",
                                                                  "penalty_per_hour": "50"}, headers=ADMIN),
        client.post(f"{BASE}/incidents", json={"reference": "X", "notified_at": "2026-07-14T22:00:00"}, headers=ADMIN),
        client.post(f"{BASE}/incidents", json={"reference": "X", "notified_at": "yesterday"}, headers=ADMIN),
        client.post(f"{BASE}/incidents/NOPE/restore", json={"at": "2026-07-14T22:00:00+02:00"}, headers=ADMIN),
        client.get(f"{BASE}/sla-penalties/1999", headers=ADMIN),
    ]
    assert [r.status_code for r in bad] == [422, 422, 404, 422, 422, 404, 422]
    assert client.get(f"{BASE}/incidents", headers=ADMIN).status_code == 409  # still no SLA terms: nothing written

    client.put(f"{BASE}/sla-terms", json={"restoration_hours": "4", "yearly_max_hours": "20", "penalty_per_hour": "50"},
               headers=ADMIN)
    post(client, f"{BASE}/incidents", {"reference": "INC-1", "notified_at": "2026-07-14T22:00:00+02:00"})
    post(client, f"{BASE}/incidents", {"reference": "INC-1", "notified_at": "2026-07-14T22:00:00+02:00"}, 409)
    post(client, f"{BASE}/incidents/INC-1/restore", {"at": "2026-07-14T21:00:00+02:00"}, 422)  # before notification
    assert [i["reference"] for i in get(client, f"{BASE}/incidents")["incidents"]] == ["INC-1"]
