"""Test data in API shape: a price grid, customers and contracts, as finance would post them."""

from __future__ import annotations

from typing import Any

GRID_2026_A: dict[str, Any] = {
    "version": "2026-A",
    "effective_from": "2026-01-01",
    "notified_on": "2025-11-20",
    "vat_rate": "20.00",
    "plans": [
        {"code": "PRO", "name": "Flexio Pro", "monthly_fee": "500.00", "included_credits": 40000,
         "overage_block_credits": 500, "overage_block_price": "2.50"},
        {"code": "START", "name": "Flexio Start", "monthly_fee": "90.00", "included_credits": 5000,
         "overage_block_credits": 1000, "overage_block_price": "4.00"},
    ],
    "options": {
        "branding_removal": {"percent_of_plan": "10.00"},
        "reference_opt_out": {"monthly_fee": "40.00"},
        "advanced_support": [{"code": "AS4", "hours": 4, "monthly_fee": "380.00", "extra_hour_price": "95.00"}],
    },
    "hourly_rates": {"specific_development": "100.00"},
}

VALID_IBAN = "FR7630006000011234567890189"


def customer(account: str = "acme", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "account": account,
        "legal_name": f"{account.upper()} SAS",
        "siren": "312456783",
        "vat_number": "FR94312456783",
        "vat_regime": "standard",
        "billing_email": f"factures@{account}.fr",
        "address": {"line1": "1 rue X", "postcode": "25000", "city": "Besançon", "country": "FR"},
    }
    body.update(overrides)
    return body


def contract(service_start: str = "2026-02-10", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "plan": "PRO",
        "service_start": service_start,
        "installation_fee": "800.00",
        "freemium": False,
        "payment_method": "sepa_debit",
        "mandate": {"reference": "RUM-ACME-001", "signed_on": "2026-02-01", "iban": VALID_IBAN},
    }
    body.update(overrides)
    return body


def usage_events(account: str, count: int, at: str = "2026-02-11T10:00:00+01:00", credits: int = 7,
                 prefix: str = "evt") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}-{i:06d}", "account": account, "at": at, "credits": credits} for i in range(count)]
