"""Late-payment rates as data finance keeps (API.md "Operations and audit", BILLING_RULES §8, §12).

The table starts with §8's published values and nothing beyond (2025-H1 3.15/3.71, 2025-H2
2.15/2.76, 2026-H1 2.15/2.62); finance records each new half-year once, in the ledger; the
receivables and the late-payment invoices name a half-year that is missing, then use it.
acme's February invoice: TTC 1367.15, issued 2026-03-02, due 2026-04-01 (tests/e2e/test_sepa_export.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, get, post
from test_sepa_export import february_invoice, settings  # noqa: F401  (the creditor settings fixture)

from billing.settings import Settings
from exports.late_interest import late_charge
from ledger.clock import FixedClock
from ledger.late_payment_rates import LatePaymentRateTable

PUBLISHED = [
    {"half_year": "2025-H1", "ecb_rate": "3.15", "legal_rate": "3.71"},
    {"half_year": "2025-H2", "ecb_rate": "2.15", "legal_rate": "2.76"},
    {"half_year": "2026-H1", "ecb_rate": "2.15", "legal_rate": "2.62"},
]
PATH = "/v1/admin/late-payment-rates"


def test_the_table_starts_with_the_published_values_and_takes_a_half_year_once(client: TestClient) -> None:
    assert get(client, PATH) == {"late_payment_rates": PUBLISHED}
    recorded = post(client, PATH, {"half_year": "2026-H2", "ecb_rate": "2.15", "legal_rate": "2.62"})
    assert recorded == {"half_year": "2026-H2", "ecb_rate": "2.15", "legal_rate": "2.62"}
    listed = get(client, PATH)
    assert listed == {"late_payment_rates": [*PUBLISHED, recorded]}
    # A half-year already recorded, also a published one, is a 409 and changes nothing.
    for half_year in ("2026-H2", "2026-H1"):
        again = client.post(PATH, json={"half_year": half_year, "ecb_rate": "9.00", "legal_rate": "9.00"}, headers=ADMIN)
        assert again.status_code == 409, again.text
        assert again.json()["error"]["code"] == "conflict"
    assert get(client, PATH) == listed
    # Kept in the ledger: the table as the aggregate holds it.
    table = client.app.state.container.ledger.repository.get(LatePaymentRateTable.create_id())  # type: ignore[attr-defined]
    assert [r.half_year for r in table.rates()] == ["2025-H1", "2025-H2", "2026-H1", "2026-H2"]


def test_bad_values_are_422_naming_the_field_and_record_nothing(client: TestClient) -> None:
    good = {"half_year": "2027-H1", "ecb_rate": "2.00", "legal_rate": "3.00"}
    bad = [
        ({**good, "half_year": "2027-H3"}, "half_year"),
        ({**good, "half_year": "2027H1"}, "half_year"),
        ({**good, "half_year": "1999-H2"}, "half_year"),
        ({**good, "half_year": ""}, "half_year"),
        ({**good, "ecb_rate": "2.155"}, "ecb_rate"),
        ({**good, "ecb_rate": "1e1"}, "ecb_rate"),
        ({**good, "ecb_rate": "-0.50"}, "ecb_rate"),
        ({**good, "ecb_rate": "abc"}, "ecb_rate"),
        ({**good, "ecb_rate": 2.0}, "ecb_rate"),
        ({**good, "legal_rate": "101.00"}, "legal_rate"),
        ({**good, "legal_rate": " 3.00"}, "legal_rate"),
        ({"half_year": "2027-H1", "ecb_rate": "2.00"}, "legal_rate"),
    ]
    for body, field in bad:
        response = client.post(PATH, json=body, headers=ADMIN)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text, (body, response.text)
    assert get(client, PATH) == {"late_payment_rates": PUBLISHED}
    assert client.post(PATH, json=good, headers={}).status_code == 401


def test_receivables_name_a_missing_half_year_until_it_is_entered_then_use_it(
    client: TestClient, clock: FixedClock
) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-07-10")
    got = get(client, "/v1/admin/receivables?on=2026-07-10")
    assert got["missing_rates"] == ["2026-H2"]
    assert got["invoices"][0]["interest"] is None
    refused = client.post("/v1/admin/customers/acme/late-payment-invoice", json={"on": "2026-07-10"}, headers=ADMIN)
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["missing_rates"] == ["2026-H2"]

    post(client, PATH, {"half_year": "2026-H2", "ecb_rate": "3.00", "legal_rate": "4.50"})
    # 2 April - 10 July: 90 days of 2026-H1 (29 in April, 31 in May, 30 in June) at max(2.15 + 10,
    # 3 × 2.62 = 7.86) = 12.15 %, and 10 days of 2026-H2 (1-10 July) at max(3.00 + 10, 3 × 4.50) = 13.50 %:
    # 1367.15 × (90 × 12.15 + 10 × 13.50) / 100 / 365 = 1367.15 × 1228.5 / 36500 = 46.0148… → 46.01.
    got = get(client, "/v1/admin/receivables?on=2026-07-10")
    assert "missing_rates" not in got
    assert got["invoices"] == [
        {"number": number, "account": "acme", "due_date": "2026-04-01", "outstanding": "1367.15",
         "days_late": 100, "interest": "46.01", "indemnity": "40.00"}]
    invoice = post(client, "/v1/admin/customers/acme/late-payment-invoice", {"on": "2026-07-10"})
    assert [(line["kind"], line["amount"]) for line in invoice["lines"]] == [
        ("late_interest", "46.01"), ("recovery_indemnity", "40.00")]


def test_the_worked_example_of_section_8_with_the_rates_read_from_the_ledger(client: TestClient) -> None:
    post(client, PATH, {"half_year": "2026-H2", "ecb_rate": "2.15", "legal_rate": "2.62"})
    rates = client.app.state.container.late_payment_rates.table()  # type: ignore[attr-defined]
    # §8: 500.00 TTC due 2026-03-31, unpaid on 2026-04-30: 30 days at max(2.15 + 10, 3 × 2.62 = 7.86)
    # = 12.15 % → 500 × 0.1215 × 30 / 365 = 4.9931… → 4.99, plus 40.00.
    charge = late_charge(Decimal("500.00"), date(2026, 3, 31), date(2026, 4, 30), rates)
    assert (charge.days_late, charge.interest, charge.indemnity, charge.missing_rates) == (
        30, Decimal("4.99"), Decimal("40.00"), ())
    # 2027-H1 is not published: reported, never guessed.
    assert late_charge(Decimal("500.00"), date(2026, 12, 31), date(2027, 1, 5), rates).missing_rates == ("2027-H1",)


def test_the_cli_adds_and_lists_half_years(settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    env = {**os.environ, "BILLING_DATABASE_URL": settings.database_url, "BILLING_STORAGE_DIR": str(tmp_path / "docs")}
    billing = str(Path(sys.executable).parent / "billing")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([billing, *args], env=env, capture_output=True, text=True, timeout=120, check=False)

    assert run("migrate").returncode == 0
    added = run("late-payment-rates", "add", "2026-H2", "2.15", "2.62")
    assert added.returncode == 0, added.stderr
    listed = run("late-payment-rates", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "2025-H1\t3.15\t3.71", "2025-H2\t2.15\t2.76", "2026-H1\t2.15\t2.62", "2026-H2\t2.15\t2.62"]
    again = run("late-payment-rates", "add", "2026-H2", "2.15", "2.62")
    assert again.returncode == 1 and again.stderr.startswith("error: ") and "already recorded" in again.stderr
    bad = run("late-payment-rates", "add", "2026-H3", "2.15", "2.62")
    assert bad.returncode == 1 and "half_year" in bad.stderr
