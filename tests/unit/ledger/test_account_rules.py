"""The customer account aggregate: registration, contract, options, hours, payments, credits, termination."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from ledger.account import CustomerAccount
from ledger.contract_terms import termination_effective_end
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.money import Money
from ledger.transcodings import LEDGER_TRANSCODINGS

SIREN = "312456783"  # Luhn key checked with stdnum
FR_VAT = "FR94312456783"  # key (12 + 3 × (312456783 mod 97)) mod 97 = 94
IBAN = "FR7630006000011234567890189"  # checksum checked with schwifty
START = date(2026, 2, 10)
ADDRESS = {"line1": "1 rue X", "postcode": "25000", "city": "Besançon", "country": "FR"}
MANDATE = {"reference": "RUM-ACME-001", "signed_on": "2026-02-01", "iban": IBAN, "bic": "BNPAFRPPXXX"}


def register(**changes: Any) -> CustomerAccount:
    args: dict[str, Any] = {
        "account": "acme",
        "legal_name": "ACME SAS",
        "siren": SIREN,
        "vat_number": FR_VAT,
        "vat_regime": "standard",
        "billing_email": "factures@acme.fr",
        "address": dict(ADDRESS),
    }
    args.update(changes)
    return CustomerAccount.register(**args)


def sign(account: CustomerAccount, **changes: Any) -> None:
    args: dict[str, Any] = {
        "plan": "PRO",
        "service_start": START,
        "installation_fee": Money.of("800.00"),
        "freemium": False,
        "payment_method": "sepa_debit",
        "mandate": dict(MANDATE),
        "plan_grid_version": "2026-A",
    }
    args.update(changes)
    account.sign_contract(**args)


def signed(**changes: Any) -> CustomerAccount:
    account = register()
    sign(account, **changes)
    return account


def field_of(excinfo: Any) -> str | None:
    """The field an error names: the API turns it into the 422 answer."""
    field: str | None = excinfo.value.field
    return field


# --- registration ----------------------------------------------------------------------------------


def test_registers_a_french_customer_with_an_id_from_its_account() -> None:
    account = register(siren="312 456 783", vat_number="fr94312456783")
    assert account.id == CustomerAccount.create_id("acme")
    assert (account.account, account.siren, account.vat_number) == ("acme", SIREN, FR_VAT)
    assert account.address.country == "FR"
    assert account.contract is None


@pytest.mark.parametrize("account_id", ["Acme", "acmé", "ac me", "acme-sas", "acme!", ""])
def test_refuses_account_ids_breaking_art_11_1(account_id: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        register(account=account_id)
    assert field_of(caught) == "account"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"siren": None}, "siren"),  # required in France
        ({"siren": "312456784"}, "siren"),  # bad Luhn key
        ({"vat_number": "FR95312456783"}, "vat_number"),  # bad VAT key
        ({"vat_number": "FR40303265045"}, "vat_number"),  # another company's SIREN
        ({"vat_regime": "exempt"}, "vat_regime"),
        ({"billing_email": "factures.acme.fr"}, "billing_email"),
        ({"legal_name": " "}, "legal_name"),
        ({"address": {**ADDRESS, "country": "France"}}, "address.country"),
        ({"address": {**ADDRESS, "city": ""}}, "address.city"),
        ({"address": None}, "address"),
    ],
)
def test_refuses_bad_registrations(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        register(**changes)
    assert field_of(caught) == field


def test_reverse_charge_needs_a_foreign_eu_vat_number() -> None:
    german = {"line1": "Hauptstr. 1", "postcode": "10115", "city": "Berlin", "country": "DE"}
    account = register(
        account="gmbh", siren=None, vat_number="DE136695976", vat_regime="reverse_charge", address=german
    )
    assert account.vat_regime == "reverse_charge"
    with pytest.raises(InvalidInput) as caught:
        register(account="gmbh", siren=None, vat_number=None, vat_regime="reverse_charge", address=german)
    assert field_of(caught) == "vat_number"
    with pytest.raises(InvalidInput) as caught:
        register(vat_regime="reverse_charge")  # a French address (§5: reverse charge is for other EU states)
    assert field_of(caught) == "vat_regime"
    with pytest.raises(InvalidInput) as caught:  # a German address with a French VAT number
        register(account="gmbh", siren=None, vat_regime="reverse_charge", address=german)
    assert field_of(caught) == "vat_number"


def test_an_export_customer_needs_no_siren_nor_vat_number() -> None:
    swiss = {"line1": "Bahnhofstrasse 1", "postcode": "8001", "city": "Zürich", "country": "ch"}
    account = register(account="swiss", siren=None, vat_number=None, vat_regime="export", address=swiss)
    assert account.address.country == "CH"


# --- contract --------------------------------------------------------------------------------------


def test_signs_a_sepa_contract_with_a_validated_mandate() -> None:
    account = register()
    sign(account, mandate={**MANDATE, "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": None})
    contract = account.contract
    assert contract is not None and contract.mandate is not None
    assert contract.service_start == START
    assert contract.installation_fee == Money.of("800.00")
    assert contract.plan_grid_version == "2026-A"
    assert contract.mandate.iban == IBAN and contract.mandate.signed_on == date(2026, 2, 1)


def test_a_contract_is_signed_only_once() -> None:
    account = signed()
    with pytest.raises(Conflict):
        sign(account)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mandate": None}, "mandate"),  # sepa_debit without a mandate
        ({"mandate": {**MANDATE, "iban": "FR7630006000011234567890188"}}, "mandate.iban"),  # bad checksum
        ({"mandate": {**MANDATE, "bic": "BNPAXXPP"}}, "mandate.bic"),
        ({"mandate": {**MANDATE, "reference": ""}}, "mandate.reference"),
        ({"mandate": {**MANDATE, "signed_on": "1 Feb 2026"}}, "mandate.signed_on"),
        ({"payment_method": "transfer"}, "mandate"),  # a mandate for a transfer
        ({"payment_method": "cash", "mandate": None}, "payment_method"),
        ({"installation_fee": Money.of("-1.00")}, "installation_fee"),
        ({"installation_fee": Money.of("800.005")}, "installation_fee"),
        ({"plan": ""}, "plan"),
        ({"freemium": "no"}, "freemium"),
    ],
)
def test_refuses_bad_contracts(changes: dict[str, Any], field: str) -> None:
    account = register()
    with pytest.raises(InvalidInput) as caught:
        sign(account, **changes)
    assert field_of(caught) == field
    assert account.contract is None


def test_a_free_installation_and_a_transfer_need_no_mandate() -> None:
    account = signed(installation_fee=Money.zero(), payment_method="cheque", mandate=None)
    assert account.contract is not None and account.contract.mandate is None


def test_everything_but_registration_needs_a_contract() -> None:
    account = register()
    with pytest.raises(Conflict):
        account.accept_option("reference_opt_out", None, date(2026, 3, 1))
    with pytest.raises(Conflict):
        account.record_payment("FX-2026-000001", Money.of("10.00"), date(2026, 3, 1), "transfer", "r")
    with pytest.raises(Conflict):
        account.grant_penalty_credit("c1", Money.of("10.00"), "x", date(2026, 3, 1), date(2026, 3, 1))
    with pytest.raises(Conflict):
        account.notify_termination(date(2026, 3, 1), "email", None, date(2026, 5, 9), False, Money.zero())


# --- options ---------------------------------------------------------------------------------------


def test_an_option_is_active_from_acceptance_to_end_inclusive() -> None:
    account = signed()
    account.accept_option("branding_removal", None, date(2026, 3, 5))
    account.end_option("branding_removal", date(2026, 6, 30))
    [interval] = account.options
    assert not interval.active_on(date(2026, 3, 4))
    assert interval.active_on(date(2026, 3, 5)) and interval.active_on(date(2026, 6, 30))
    assert not interval.active_on(date(2026, 7, 1))
    # Taken again after it ended: a second interval.
    account.accept_option("branding_removal", None, date(2026, 7, 1))
    assert len(account.options) == 2


@pytest.mark.parametrize(
    ("option", "pack", "accepted_on", "field"),
    [
        ("white_label", None, date(2026, 3, 5), "option"),
        ("advanced_support", None, date(2026, 3, 5), "pack"),  # pack required
        ("branding_removal", "AS4", date(2026, 3, 5), "pack"),  # pack only for advanced_support
        ("branding_removal", None, date(2026, 2, 9), "accepted_on"),  # before service start
    ],
)
def test_refuses_bad_options(option: str, pack: str | None, accepted_on: date, field: str) -> None:
    account = signed()
    with pytest.raises(InvalidInput) as caught:
        account.accept_option(option, pack, accepted_on)
    assert field_of(caught) == field


def test_refuses_an_option_already_active() -> None:
    account = signed()
    account.accept_option("advanced_support", "AS4", date(2026, 3, 5))
    with pytest.raises(Conflict):
        account.accept_option("advanced_support", "AS8", date(2026, 4, 1))
    account.end_option("advanced_support", date(2026, 4, 30))
    with pytest.raises(Conflict):  # would overlap the ended interval on 2026-04-30
        account.accept_option("advanced_support", "AS8", date(2026, 4, 30))


def test_refuses_an_option_ended_before_it_was_accepted() -> None:
    account = signed()
    account.accept_option("reference_opt_out", None, date(2026, 3, 5))
    with pytest.raises(InvalidInput) as caught:
        account.end_option("reference_opt_out", date(2026, 3, 4))
    assert field_of(caught) == "ended_on"
    account.end_option("reference_opt_out", date(2026, 3, 5))  # one day is fine


def test_ending_an_option_that_is_not_active() -> None:
    account = signed()
    with pytest.raises(NotFound):
        account.end_option("branding_removal", date(2026, 3, 5))
    account.accept_option("branding_removal", None, date(2026, 3, 5))
    account.end_option("branding_removal", date(2026, 3, 31))
    with pytest.raises(Conflict):
        account.end_option("branding_removal", date(2026, 4, 30))


# --- hours -----------------------------------------------------------------------------------------


def test_support_hours_need_advanced_support_on_that_day() -> None:
    account = signed()
    with pytest.raises(InvalidInput) as caught:
        account.record_support_hours(date(2026, 3, 12), Decimal("2.5"), "setup")
    assert field_of(caught) == "on"
    account.accept_option("advanced_support", "AS4", date(2026, 3, 5))
    account.record_support_hours(date(2026, 3, 12), Decimal("2.5"), "setup")
    assert account.support_hours[0].hours == Decimal("2.5")
    account.end_option("advanced_support", date(2026, 3, 31))
    with pytest.raises(InvalidInput):
        account.record_support_hours(date(2026, 4, 1), Decimal("1"), "late")


@pytest.mark.parametrize("hours", [Decimal(0), Decimal("-1.5"), "abc", 1.5])
def test_refuses_zero_negative_or_non_decimal_hours(hours: Any) -> None:
    account = signed()
    account.accept_option("advanced_support", "AS4", date(2026, 3, 5))
    with pytest.raises(InvalidInput) as caught:
        account.record_support_hours(date(2026, 3, 12), hours, "x")
    assert field_of(caught) == "hours"
    with pytest.raises(InvalidInput) as caught:
        account.record_intervention(date(2026, 3, 12), hours, "x")
    assert field_of(caught) == "hours"


def test_records_interventions_from_service_start() -> None:
    account = signed()
    account.record_intervention(date(2026, 3, 12), Decimal("1.5"), "custom export")
    assert account.interventions[0].hours == Decimal("1.5")
    with pytest.raises(InvalidInput) as caught:
        account.record_intervention(date(2026, 2, 9), Decimal("1.5"), "before start")
    assert field_of(caught) == "on"
    with pytest.raises(InvalidInput) as caught:
        account.record_intervention(date(2026, 3, 12), Decimal("1.5"), "")
    assert field_of(caught) == "description"


# --- payments --------------------------------------------------------------------------------------


def test_records_a_payment() -> None:
    account = signed()
    account.record_payment("FX-2026-000001", Money.of("1415.15"), date(2026, 3, 30), "transfer", "VIR-1")
    assert account.payments[0].amount == Money.of("1415.15")


@pytest.mark.parametrize(
    ("amount", "method", "received_on", "field"),
    [
        (Money.of("0.00"), "transfer", date(2026, 3, 30), "amount"),
        (Money.of("-10.00"), "transfer", date(2026, 3, 30), "amount"),
        (Money.of("10.001"), "transfer", date(2026, 3, 30), "amount"),
        (Money.of("10.00"), "cash", date(2026, 3, 30), "method"),
        (Money.of("10.00"), "transfer", date(2026, 2, 9), "received_on"),
    ],
)
def test_refuses_bad_payments(amount: Money, method: str, received_on: date, field: str) -> None:
    account = signed()
    with pytest.raises(InvalidInput) as caught:
        account.record_payment("FX-2026-000001", amount, received_on, method, "r")
    assert field_of(caught) == field


# --- penalty credits (§6) --------------------------------------------------------------------------


def test_penalty_credit_is_capped_by_six_months_of_payments_minus_earlier_credits() -> None:
    """Worked by hand:

    payments received 2026-03-30 1415.15 and 2026-04-30 600.00;
    a first credit of 300.00 for an incident on 2026-04-02: its window 2025-10-02..2026-04-02
    holds 1415.15 of payments and no credit, so it is granted in full;
    a second incident on 2026-05-03: window 2025-11-03..2026-05-03,
    payments 1415.15 + 600.00 = 2015.15, minus the 300.00 already granted = cap 1715.15;
    a request of 2000.00 is granted 1715.15, capped.
    """
    account = signed()
    account.record_payment("FX-2026-000001", Money.of("1415.15"), date(2026, 3, 30), "transfer", "r1")
    account.record_payment("FX-2026-000002", Money.of("600.00"), date(2026, 4, 30), "transfer", "r2")
    first = account.grant_penalty_credit(
        "c1", Money.of("300.00"), "outage", date(2026, 4, 2), date(2026, 4, 3)
    )
    assert first == Money.of("300.00")
    assert account.penalty_cap(date(2026, 5, 3)) == Money.of("1715.15")
    granted = account.grant_penalty_credit(
        "c2", Money.of("2000.00"), "outage", date(2026, 5, 3), date(2026, 5, 10)
    )
    assert granted == Money.of("1715.15")
    credit = account.penalty_credits[1]
    assert (credit.requested, credit.granted, credit.capped) == (
        Money.of("2000.00"),
        Money.of("1715.15"),
        True,
    )


def test_penalty_cap_ignores_payments_after_the_incident_or_older_than_six_months() -> None:
    account = signed(service_start=date(2025, 1, 6))
    account.record_payment("FX-2025-000001", Money.of("100.00"), date(2025, 11, 2), "transfer", "old")
    account.record_payment("FX-2025-000002", Money.of("50.00"), date(2025, 11, 3), "transfer", "edge")
    account.record_payment("FX-2026-000001", Money.of("999.00"), date(2026, 5, 4), "transfer", "after")
    # Window for 2026-05-03 is 2025-11-03..2026-05-03: only the 50.00 counts.
    assert account.penalty_cap(date(2026, 5, 3)) == Money.of("50.00")
    granted = account.grant_penalty_credit("c1", Money.of("80.00"), "x", date(2026, 5, 3), date(2026, 5, 3))
    assert granted == Money.of("50.00")


def test_a_credit_with_nothing_paid_is_granted_zero_and_marked_capped() -> None:
    account = signed()
    granted = account.grant_penalty_credit("c1", Money.of("300.00"), "x", date(2026, 3, 3), date(2026, 3, 20))
    assert granted == Money.zero()
    assert account.penalty_credits[0].capped


@pytest.mark.parametrize(
    ("requested", "incident_on", "granted_on", "field"),
    [
        (Money.of("0.00"), date(2026, 3, 3), date(2026, 3, 20), "amount"),
        (Money.of("-5.00"), date(2026, 3, 3), date(2026, 3, 20), "amount"),
        (Money.of("5.00"), date(2026, 3, 3), date(2026, 3, 2), "granted_on"),
        (Money.of("5.00"), date(2026, 2, 9), date(2026, 3, 2), "incident_on"),
    ],
)
def test_refuses_bad_penalty_credits(
    requested: Money, incident_on: date, granted_on: date, field: str
) -> None:
    account = signed()
    with pytest.raises(InvalidInput) as caught:
        account.grant_penalty_credit("c1", requested, "x", incident_on, granted_on)
    assert field_of(caught) == field


def test_a_penalty_credit_id_is_used_once() -> None:
    account = signed()
    account.grant_penalty_credit("c1", Money.of("5.00"), "x", date(2026, 3, 3), date(2026, 3, 20))
    with pytest.raises(Conflict):
        account.grant_penalty_credit("c1", Money.of("5.00"), "x", date(2026, 3, 3), date(2026, 3, 20))


# --- termination -----------------------------------------------------------------------------------


def test_records_an_early_termination() -> None:
    account = signed()
    outcome = termination_effective_end(START, date(2026, 5, 10), date(2026, 5, 31))
    account.notify_termination(
        date(2026, 5, 10),
        "email",
        date(2026, 5, 31),
        outcome.effective_end,
        outcome.early,
        Money.of("1000.00"),
    )
    termination = account.termination
    assert termination is not None
    assert (termination.effective_end, termination.normal_end, termination.early) == (
        date(2026, 5, 31),
        date(2026, 8, 9),
        True,
    )
    with pytest.raises(Conflict):
        account.notify_termination(date(2026, 5, 11), "email", None, date(2026, 8, 9), False, Money.zero())
    # Nothing can happen after the last day of service.
    with pytest.raises(InvalidInput) as caught:
        account.record_intervention(date(2026, 6, 1), Decimal(1), "after the end")
    assert field_of(caught) == "on"


@pytest.mark.parametrize(
    ("notified_on", "channel", "requested_end", "effective_end", "early", "indemnity", "field"),
    [
        (date(2026, 2, 9), "email", None, date(2026, 5, 9), False, "0", "notified_on"),  # before start
        (date(2026, 4, 1), "phone", None, date(2026, 5, 9), False, "0", "channel"),
        (date(2026, 4, 1), "email", date(2026, 3, 31), date(2026, 3, 31), True, "0", "requested_end"),
        (date(2026, 4, 10), "email", None, date(2026, 5, 9), False, "0", "effective_end"),  # late notice
        (date(2026, 4, 1), "email", None, date(2026, 5, 9), False, "50.00", "indemnity"),  # not early
        (date(2026, 4, 1), "email", date(2026, 4, 30), date(2026, 4, 30), True, "-1.00", "indemnity"),
    ],
)
def test_refuses_bad_terminations(
    notified_on: date,
    channel: str,
    requested_end: date | None,
    effective_end: date,
    early: bool,
    indemnity: str,
    field: str,
) -> None:
    account = signed()
    with pytest.raises(InvalidInput) as caught:
        account.notify_termination(
            notified_on, channel, requested_end, effective_end, early, Money.of(indemnity)
        )
    assert field_of(caught) == field
    assert account.termination is None


# --- storage ---------------------------------------------------------------------------------------


class _LedgerApplication(Application[UUID]):
    """An application with the ledger's transcodings, as billing's ``Ledger`` registers them."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in LEDGER_TRANSCODINGS:
            transcoder.register(transcoding)


def test_an_account_round_trips_through_the_event_store_with_typed_payloads() -> None:
    app: Application[UUID] = _LedgerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    account = signed()
    account.accept_option("advanced_support", "AS4", date(2026, 3, 5))
    account.record_support_hours(date(2026, 3, 12), Decimal("2.5"), "setup")
    account.record_intervention(date(2026, 3, 13), Decimal("1.5"), "custom export")
    account.record_payment("FX-2026-000001", Money.of("1415.15"), date(2026, 3, 30), "transfer", "r1")
    account.grant_penalty_credit("c1", Money.of("300.00"), "outage", date(2026, 4, 2), date(2026, 4, 3))
    account.end_option("advanced_support", date(2026, 4, 30))
    account.notify_termination(
        date(2026, 4, 1), "registered_letter", None, date(2026, 5, 9), False, Money.zero()
    )
    app.save(account)

    loaded: CustomerAccount = app.repository.get(CustomerAccount.create_id("acme"))
    for name in ("contract", "options", "support_hours", "interventions", "payments", "penalty_credits"):
        assert getattr(loaded, name) == getattr(account, name)
    assert loaded.termination == account.termination
    assert loaded.address == account.address
    assert [type(e).__name__ for e in app.repository.event_store.get(account.id)] == [
        "Registered",
        "ContractSigned",
        "OptionAccepted",
        "SupportHoursRecorded",
        "InterventionRecorded",
        "PaymentRecorded",
        "PenaltyCreditGranted",
        "OptionEnded",
        "TerminationNotified",
    ]
