"""The demo data set that ``make run`` loads (``billing demo``), through the application services only.

A price grid, a dozen customers of every kind and three months of usage: the three calendar months
before the current one, computed from the container's clock so the demo keeps working as time goes
by. The past months are closed in order (issue date: the 2nd of the next month, or today if earlier),
with payments recorded between closes, so the penalty cap (art. 13: payments received in the six
months before the incident) leaves room for a penalty credit.

Idempotent: when the demo customers already exist nothing is created again; months still open
since the demo's first month are closed, and closed months issue nothing new (§7).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from billing.commands.accounts import (
    AcceptOption,
    GrantPenaltyCredit,
    NotifyTermination,
    RecordIntervention,
    RecordSupportHours,
    RegisterCustomer,
    SignContract,
)
from billing.commands.closing import CloseMonth
from billing.commands.payments import RecordPayment
from billing.services.aggregates import find_aggregate
from ledger.account import CustomerAccount
from ledger.clock import PARIS, today
from ledger.grid_catalogue import grid_from_dict
from ledger.money import Money
from ledger.months import Month

GRID_VERSION = "DEMO-A"

# Valid identifiers (checked with python-stdnum / schwifty, as the service checks them).
_IBAN_BNP = ("FR7630004008200001020304079", "BNPAFRPP")
_IBAN_BRED = ("FR7610107001180023456789030", "BREDFRPP")
_IBAN_POSTE = ("FR1420041010050500013M02606", "PSSTFRPP")


@dataclass
class DemoCustomer:
    customer: dict[str, Any]
    contract: dict[str, Any]
    start_day: int = 1  # day of the first demo month the service starts on
    monthly_credits: tuple[int, int, int] = (0, 0, 0)  # credits used in each of the three months
    options: list[dict[str, Any]] = field(default_factory=list)  # "accepted_on" as a day offset from start

    @property
    def account(self) -> str:
        return str(self.customer["account"])


def _fr(account: str, name: str, siren: str, vat: str, city: str, postcode: str, line1: str) -> dict[str, Any]:
    return {
        "account": account,
        "legal_name": name,
        "siren": siren,
        "vat_number": vat,
        "vat_regime": "standard",
        "billing_email": f"compta@{account}.fr",
        "address": {"line1": line1, "postcode": postcode, "city": city, "country": "FR"},
    }


def _sepa(plan: str, fee: str, account: str, iban: tuple[str, str], signed_on: date) -> dict[str, Any]:
    return {
        "plan": plan,
        "installation_fee": fee,
        "freemium": False,
        "payment_method": "sepa_debit",
        "mandate": {
            "reference": f"RUM-{account.upper()}-001",
            "signed_on": signed_on.isoformat(),
            "iban": iban[0],
            "bic": iban[1],
        },
    }


def _plain(plan: str, fee: str, method: str, freemium: bool = False) -> dict[str, Any]:
    return {"plan": plan, "installation_fee": fee, "freemium": freemium, "payment_method": method}


def demo_grid(first: Month) -> dict[str, Any]:
    """The demo grid, in force from January of the year before the first demo month."""
    effective = date(first.year - 1, 1, 1)
    return {
        "version": GRID_VERSION,
        "effective_from": effective.isoformat(),
        "notified_on": (effective - timedelta(days=45)).isoformat(),
        "vat_rate": "20.00",
        "plans": [
            {"code": "START", "name": "Flexio Start", "monthly_fee": "90.00", "included_credits": 5000,
             "overage_block_credits": 1000, "overage_block_price": "4.00"},
            {"code": "PRO", "name": "Flexio Pro", "monthly_fee": "500.00", "included_credits": 40000,
             "overage_block_credits": 500, "overage_block_price": "2.50"},
            {"code": "ENTERPRISE", "name": "Flexio Enterprise", "monthly_fee": "1500.00",
             "included_credits": 150000, "overage_block_credits": 5000, "overage_block_price": "17.50"},
        ],
        "options": {
            "branding_removal": {"percent_of_plan": "10.00"},
            "reference_opt_out": {"monthly_fee": "40.00"},
            "advanced_support": [
                {"code": "AS4", "hours": 4, "monthly_fee": "380.00", "extra_hour_price": "95.00"},
                {"code": "AS10", "hours": 10, "monthly_fee": "900.00", "extra_hour_price": "90.00"},
            ],
        },
        "hourly_rates": {"specific_development": "100.00"},
    }


def demo_customers(first: Month) -> list[DemoCustomer]:
    signed = first.first_day - timedelta(days=10)
    return [
        DemoCustomer(  # standard, SEPA direct debit, overage every month
            _fr("acme", "ACME SAS", "412345670", "FR96412345670", "Besançon", "25000", "1 rue de la République"),
            _sepa("PRO", "800.00", "acme", _IBAN_BNP, signed),
            monthly_credits=(46_200, 38_900, 52_750),
        ),
        DemoCustomer(  # standard, SEPA, Start plan
            _fr("boulangerie", "Boulangerie Martin SARL", "523456788", "FR31523456788", "Dijon", "21000",
                "12 place Darcy"),
            _sepa("START", "150.00", "boulangerie", _IBAN_BRED, signed),
            monthly_credits=(4_100, 6_350, 4_900),
        ),
        DemoCustomer(  # standard, bank transfer
            _fr("cabinetdurand", "Cabinet Durand et Associés", "634567895", "FR30634567895", "Lyon", "69002",
                "8 quai Saint-Antoine"),
            _plain("PRO", "800.00", "transfer"),
            monthly_credits=(21_000, 33_500, 39_800),
        ),
        DemoCustomer(  # standard, cheque
            _fr("garagelefevre", "Garage Lefèvre EURL", "745678904", "FR26745678904", "Besançon", "25000",
                "45 avenue de Montrapon"),
            _plain("START", "0.00", "cheque"),
            monthly_credits=(2_300, 3_100, 5_400),
        ),
        DemoCustomer(  # reverse charge: German business customer, 0% VAT, "Autoliquidation"
            {
                "account": "nordtech",
                "legal_name": "Nordtech GmbH",
                "siren": None,
                "vat_number": "DE812345673",
                "vat_regime": "reverse_charge",
                "billing_email": "buchhaltung@nordtech.de",
                "address": {"line1": "Hafenstraße 12", "postcode": "20457", "city": "Hamburg", "country": "DE"},
            },
            _plain("ENTERPRISE", "2000.00", "transfer"),
            monthly_credits=(132_000, 161_400, 148_900),
        ),
        DemoCustomer(  # export: Swiss customer, outside the EU, no VAT
            {
                "account": "alpensoft",
                "legal_name": "Alpensoft AG",
                "siren": None,
                "vat_number": None,
                "vat_regime": "export",
                "billing_email": "finance@alpensoft.ch",
                "address": {"line1": "Bahnhofstrasse 21", "postcode": "8001", "city": "Zürich", "country": "CH"},
            },
            _plain("PRO", "800.00", "transfer"),
            monthly_credits=(18_000, 24_500, 41_200),
        ),
        DemoCustomer(  # freemium: never invoiced
            _fr("asso", "Association Les Amis du Doubs", "856789011", "FR32856789011", "Besançon", "25000",
                "3 rue Mégevand"),
            _plain("START", "0.00", "transfer", freemium=True),
            monthly_credits=(3_200, 5_900, 4_400),
        ),
        DemoCustomer(  # branding removal (10% of the plan) and reference opt-out
            _fr("discret", "Discret Conseil SAS", "387654320", "FR96387654320", "Paris", "75008",
                "25 rue du Faubourg Saint-Honoré"),
            _sepa("PRO", "800.00", "discret", _IBAN_POSTE, signed),
            monthly_credits=(12_000, 15_500, 17_250),
            options=[
                {"option": "branding_removal", "accepted_on": 0},
                {"option": "reference_opt_out", "accepted_on": 40},
            ],
        ),
        DemoCustomer(  # Advanced Support AS4, hours recorded (extra hours billed in the 2nd month)
            _fr("supportplus", "Support Plus SA", "443322110", "FR21443322110", "Nantes", "44000",
                "10 boulevard Guist'hau"),
            _plain("PRO", "800.00", "transfer"),
            monthly_credits=(30_000, 36_000, 28_000),
            options=[{"option": "advanced_support", "pack": "AS4", "accepted_on": 0}],
        ),
        DemoCustomer(  # a billable intervention (specific development)
            _fr("atelierweb", "Atelier Web SARL", "556677888", "FR02556677888", "Strasbourg", "67000",
                "2 rue des Juifs"),
            _plain("START", "150.00", "cheque"),
            monthly_credits=(4_800, 4_950, 7_100),
        ),
        DemoCustomer(  # a penalty credit, deducted from its last invoice
            _fr("penalite", "Pénalité Logistique SAS", "667788996", "FR04667788996", "Lille", "59000",
                "14 rue Nationale"),
            _plain("PRO", "800.00", "transfer"),
            monthly_credits=(25_000, 27_000, 26_000),
        ),
        DemoCustomer(  # early termination during the second month: indemnity on its final invoice
            _fr("partant", "Partant Distribution SAS", "778899005", "FR07778899005", "Marseille", "13001",
                "60 La Canebière"),
            _plain("PRO", "800.00", "transfer"),
            monthly_credits=(22_000, 9_000, 0),
        ),
        DemoCustomer(  # starts mid-month: prorated plan fee and cap in the first month
            {
                "account": "brusselsdata",
                "legal_name": "Brussels Data SRL",
                "siren": None,
                "vat_number": "BE0456789133",
                "vat_regime": "reverse_charge",
                "billing_email": "accounting@brusselsdata.be",
                "address": {"line1": "Rue de la Loi 42", "postcode": "1040", "city": "Bruxelles", "country": "BE"},
            },
            _plain("PRO", "800.00", "transfer"),
            start_day=15,
            monthly_credits=(26_000, 41_000, 39_000),
        ),
    ]


def demo_months(clock_today: date) -> list[Month]:
    """The three calendar months before the current one."""
    current = Month.of(clock_today)
    first = current.previous().previous().previous()
    return [first, first.next(), first.next().next()]


def issue_date_for(month: Month, clock_today: date) -> date:
    """The 2nd of the next month, or today when that is later than today (never before the month ends)."""
    return min(month.next().first_day + timedelta(days=1), clock_today)


def _exists(container: Any, account: str) -> bool:
    return find_aggregate(container.ledger, CustomerAccount.create_id(account)) is not None


def _instant(day: date, hour: int, minute: int) -> str:
    """An instant in Paris time, with its offset (+01:00 or +02:00), as the usage API wants it."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).isoformat()


def _usage_events(spec: DemoCustomer, months: list[Month], start: date, end: date | None,
                  now: datetime) -> list[dict[str, Any]]:
    """About ten events a month summing to the month's credits, on service days, never in the future."""
    rng = random.Random(spec.account)
    events: list[dict[str, Any]] = []
    for month, credits in zip(months, spec.monthly_credits, strict=True):
        if credits <= 0:
            continue
        first = max(month.first_day, start)
        last = month.last_day if end is None else min(month.last_day, end)
        if last < first:
            continue
        span = (last - first).days
        count = 10
        weights = [rng.randint(5, 15) for _ in range(count)]
        parts = [credits * w // sum(weights) for w in weights]
        parts[-1] += credits - sum(parts)
        for n, part in enumerate(parts):
            day = first + timedelta(days=span * n // (count - 1))
            at = _instant(day, 9 + n % 9, rng.randint(0, 59))
            if datetime.fromisoformat(at) > now:
                continue
            events.append({"id": f"demo-{month}-{n:03d}", "account": spec.account, "at": at, "credits": part})
    return events


def _create(container: Any, months: list[Month]) -> None:
    first = months[0]
    catalogue = container.catalogue.catalogue()
    if catalogue is None or catalogue.find(GRID_VERSION) is None:
        container.catalogue.publish(grid_from_dict(demo_grid(first)))
    now = container.clock.now()
    accounts = container.accounts
    events: list[dict[str, Any]] = []
    for spec in demo_customers(first):
        if _exists(container, spec.account):
            continue
        start = first.first_day + timedelta(days=spec.start_day - 1)
        accounts.register(RegisterCustomer.from_request(spec.customer))
        accounts.sign_contract(spec.account, SignContract.from_request({**spec.contract, "service_start": start}))
        for option in spec.options:
            accepted_on = start + timedelta(days=option["accepted_on"])
            accounts.accept_option(spec.account, AcceptOption(option["option"], option.get("pack"), accepted_on))
        end = None
        if spec.account == "partant":
            # Notice in the 2nd month asking to leave at its end, before the initial term ends: early.
            end = months[1].last_day
            accounts.notify_termination(
                spec.account,
                NotifyTermination(notified_on=months[1].first_day + timedelta(days=9), channel="email",
                                  requested_end=end),
            )
        if spec.account == "supportplus":
            for month, hours in zip(months, (("1.5", "2"), ("3", "2.5"), ("2", "1")), strict=True):
                for n, value in enumerate(hours):
                    accounts.record_support_hours(
                        spec.account,
                        RecordSupportHours(month.first_day + timedelta(days=6 + 10 * n), Decimal(value),
                                           "Accompagnement avancé: paramétrage des workflows"),
                    )
        if spec.account == "atelierweb":
            accounts.record_intervention(
                spec.account,
                RecordIntervention(months[1].first_day + timedelta(days=13), Decimal("3.5"),
                                   "Développement spécifique: connecteur vers l'ERP du client (hors périmètre)"),
            )
        events.extend(_usage_events(spec, months, start, end, now))
    for offset in range(0, len(events), 10_000):
        container.usage.ingest(json.dumps({"events": events[offset : offset + 10_000]}).encode())


def _pay_issued(container: Any, month: Month, on_or_before: date) -> None:
    """Record the payments of the month's invoices that the demo customers settle (not all of them)."""
    unpaid_by_choice = {"garagelefevre", "alpensoft"}  # left unpaid, to show the payment statuses
    for invoice in container.invoices.list(month=str(month)):
        if invoice["account"] in unpaid_by_choice or invoice.get("paid", "0.00") != "0.00":
            continue
        issued = date.fromisoformat(invoice["issue_date"])
        received = min(issued + timedelta(days=8), on_or_before)
        contract = container.accounts.get(invoice["account"]).contract
        # The whole TTC of an invoice nothing was paid on yet: all applied, no unapplied credit.
        container.payments.record(
            invoice["account"],
            RecordPayment(invoice=invoice["number"], amount=invoice["total_ttc"], received_on=received.isoformat(),
                          method=contract.payment_method, reference=f"DEMO-{invoice['number']}"),
        )


def _grant_penalty(container: Any, month: Month, clock_today: date) -> None:
    account = container.accounts.get("penalite")
    if account.penalty_credits:
        return
    incident = month.first_day + timedelta(days=4)
    granted = min(month.first_day + timedelta(days=11), clock_today)
    container.accounts.grant_penalty_credit(
        "penalite",
        GrantPenaltyCredit(credit_id="demo-sla-1", amount=Money.of("300.00"),
                           reason="Interruption de service de 6 heures ouvrées (art. 12.4)",
                           incident_on=incident, granted_on=granted),
    )


def load_demo(container: Any) -> list[str]:
    """Load the demo (once) and close the past months since its first month; returns those months."""
    clock_today = today(container.clock)
    months = demo_months(clock_today)
    if _exists(container, "acme"):
        start = container.accounts.get("acme").contract.service_start
        months = []
        month = Month.of(start)
        while month < Month.of(clock_today):
            months.append(month)
            month = month.next()
    else:
        _create(container, months)
    closed: list[str] = []
    for index, month in enumerate(months):
        state = container.closing.month_state(str(month))
        if state["status"] != "closed":
            if index == 2 and _exists(container, "penalite"):
                _grant_penalty(container, month, clock_today)
            state = container.closing.request_close(CloseMonth(month, issue_date_for(month, clock_today).isoformat()))
            if state["status"] != "closed":
                container.closing.run_close(str(month))
            following = month.next()
            pay_by = issue_date_for(following, clock_today) if following < Month.of(clock_today) else clock_today
            _pay_issued(container, month, pay_by)
        closed.append(str(month))
    return closed
