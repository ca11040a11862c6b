"""The price grid ("Grille Tarifaire"): versioned prices, data not code (BILLING_RULES §4).

A version is in force from its ``effective_from`` (the first day of a month); the version in
force on the first day of month M prices all of M. Every version after the first is notified at
least one month before it takes effect (art. 15.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledger.errors import InvalidInput, NotFound
from ledger.money import Money

OPTION_KINDS = ("branding_removal", "reference_opt_out", "advanced_support")


@dataclass(frozen=True)
class PlanPrice:
    """A monthly plan: fee, cap ("Plafond") and overage per started block (art. 4, 10.1)."""

    code: str
    name: str
    monthly_fee: Money
    included_credits: int
    overage_block_credits: int
    overage_block_price: Decimal  # up to 6 decimals (§3); the line amount is rounded


@dataclass(frozen=True)
class BrandingRemovalPrice:
    """Art. 8 "majoration": **Decision** (§4) either a fixed monthly fee or a percent of the plan fee."""

    percent_of_plan: Decimal | None = None
    monthly_fee: Money | None = None

    def monthly_price(self, plan_fee: Money) -> Money:
        """The full-month price for a plan fee, not yet rounded."""
        if self.monthly_fee is not None:
            return self.monthly_fee
        assert self.percent_of_plan is not None
        return Money(plan_fee.amount * self.percent_of_plan / Decimal(100))


@dataclass(frozen=True)
class SupportPack:
    """Advanced Support ("Accompagnement Avancé", art. 12.3): hours a month, fee, extra hour."""

    code: str
    hours: Decimal
    monthly_fee: Money
    extra_hour_price: Money


@dataclass(frozen=True)
class PriceGrid:
    version: str
    effective_from: date
    notified_on: date
    # Optional (API.md): a VAT rate recorded from effective_from; VAT rates are their own table (§4).
    vat_rate: Decimal | None
    plans: dict[str, PlanPrice]
    branding_removal: BrandingRemovalPrice
    reference_opt_out_fee: Money
    support_packs: dict[str, SupportPack]
    specific_development_rate: Money  # art. 7.2, 12.6
    extra: dict[str, str] = field(default_factory=dict)

    def plan(self, code: str) -> PlanPrice:
        try:
            return self.plans[code]
        except KeyError:
            raise NotFound(f"plan {code!r} is not in price grid {self.version}", field="plan") from None

    def support_pack(self, code: str) -> SupportPack:
        try:
            return self.support_packs[code]
        except KeyError:
            raise InvalidInput(
                f"Advanced Support pack {code!r} is not in price grid {self.version}", field="pack"
            ) from None
