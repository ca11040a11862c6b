"""The customer account: who is billed, under which contract, and what happened to it.

One aggregate per account id (art. 11.1). Its events are the ledger facts that invoices are computed
from: the contract, options taken and ended, Advanced Support hours, billable interventions, payments
received, penalty credits granted and the termination.

Pattern (eventsourcing's own examples): each public command checks its arguments and the aggregate's
state, then calls a private method decorated with a past-tense ``@event``, which only mutates. The
checks stay out of the decorated methods on purpose: those run again on every replay, and a rule
tightened later (or a library update of a checksum table) must never stop old events from loading.
The state is the typed records of ledger/account_records.py (frozen dataclasses, lists of them);
events are flat, with typed fields (``Money``, ``date``, ``Decimal``, a ``Mandate``), stored by the
ledger's transcodings (ledger/transcodings.py). Withdrawn records stay in their lists (a record is
named by its number, 1 = the first recorded) and their numbers or ids are kept beside them.

The customer's identity checks are in ledger/customer.py, the records' value types in
ledger/account_records.py and the penalty cap in ledger/penalty_cap.py; the money received and the
penalty credits (ledger/account_money.py) and the corrections (ledger/account_corrections.py) are
mixins whose events this class names. This module keeps the aggregate: its state (plain attributes,
read by the callers) and thin commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.account_corrections import AccountCorrections
from ledger.account_money import AccountMoney
from ledger.account_records import (
    PAYMENT_METHODS,
    TERMINATION_CHANNELS,
    Contract,
    Intervention,
    Mandate,
    OptionInterval,
    Payment,
    PaymentMethod,
    PenaltyCredit,
    SupportHours,
    Termination,
    cents,
    mandate_from_input,
    plain_hours,
)
from ledger.contract_terms import TerminationOutcome
from ledger.customer import Address, check_registration
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.grid import OPTION_KINDS
from ledger.input_checks import (
    optional_date,
    optional_text,
    require_bool,
    require_choice,
    require_date,
    require_hours,
    require_money,
    require_text,
)
from ledger.money import Money
from ledger.termination_kinds import TerminationKind, termination_kind
from ledger.vat_regime import VatRegime

# Fixed forever: account aggregate ids are derived from it, so changing it would orphan every account.
ACCOUNT_NAMESPACE = uuid5(NAMESPACE_URL, "https://flexio.fr/billing/customer-account")



# --- the aggregate ---------------------------------------------------------------------------------


class CustomerAccount(AccountMoney, AccountCorrections, Aggregate):
    """A customer, its contract and the facts its invoices are computed from."""

    @classmethod
    def create_id(cls, account: str) -> UUID:
        """The id follows from the account identifier, so registering twice hits the same aggregate."""
        return uuid5(ACCOUNT_NAMESPACE, "account:" + account)

    # -- registration --

    @classmethod
    def register(
        cls,
        account: str,
        legal_name: str,
        siren: str | None,
        vat_number: str | None,
        vat_regime: str,
        billing_email: str,
        address: dict[str, Any],
    ) -> CustomerAccount:
        """Check a new customer's identity and create its account (API "POST /v1/admin/customers")."""
        identity = check_registration(account, legal_name, siren, vat_number, vat_regime, billing_email, address)
        return cls(
            account=identity.account,
            legal_name=identity.legal_name,
            siren=identity.siren,
            vat_number=identity.vat_number,
            vat_regime=identity.vat_regime,
            billing_email=identity.billing_email,
            address=identity.address,
        )

    @event("Registered")
    def __init__(
        self,
        account: str,
        legal_name: str,
        siren: str | None,
        vat_number: str | None,
        vat_regime: VatRegime,
        billing_email: str,
        address: dict[str, str],
    ) -> None:
        self.account = account
        self.legal_name = legal_name
        self.siren = siren
        self.vat_number = vat_number
        self.vat_regime = VatRegime(vat_regime)
        self.billing_email = billing_email
        self.address = Address(**address)
        self.contract: Contract | None = None
        self.options: list[OptionInterval] = []  # in acceptance order, ended or not
        self._support_hours: list[SupportHours] = []  # withdrawn ones included (``support_hours``: not)
        self._withdrawn_hours: list[int] = []  # numbers (1 = the first recorded)
        self._interventions: list[Intervention] = []
        self._withdrawn_interventions: list[int] = []
        self.payments: list[Payment] = []  # reversals included, as negative amounts
        self.unapplied_credits: list[Payment] = []  # above what the invoice owed, never in the §6 cap
        self._penalty_credits: list[PenaltyCredit] = []
        self._withdrawn_credits: list[str] = []  # credit ids
        self.termination: Termination | None = None

    def option_active_on(self, option: str, day: date) -> OptionInterval | None:
        """The interval of ``option`` covering ``day``, if any (intervals never overlap)."""
        for interval in self.options:
            if interval.option == option and interval.active_on(day):
                return interval
        return None

    # -- guards shared by the commands --

    def _require_contract(self) -> Contract:
        """Everything but registration needs a signed contract: there is no service start without one."""
        contract = self.contract
        if contract is None:
            raise Conflict(f"no contract: account {self.account!r} has not signed one yet")
        return contract

    def _require_in_service(self, day: date, field: str, contract: Contract) -> None:
        """Service facts happen between service start (art. 10.2) and the last day of service."""
        if day < contract.service_start:
            raise InvalidInput(
                f"{field} {day.isoformat()} is before service start {contract.service_start.isoformat()}",
                field=field,
            )
        termination = self.termination
        if termination is not None and day > termination.effective_end:
            raise InvalidInput(
                f"{field} {day.isoformat()} is after the last day of service"
                f" {termination.effective_end.isoformat()}",
                field=field,
            )

    # -- contract --

    def sign_contract(
        self,
        plan: str,
        service_start: date,
        installation_fee: Money,
        freemium: bool,
        payment_method: str,
        mandate: dict[str, Any] | None,
        plan_grid_version: str,
    ) -> None:
        """Record the order form (BDC): plan, service start, installation fee, payment method.

        The caller has checked that ``plan`` exists in grid ``plan_grid_version``; we record which grid
        it came from so a later dispute can see the prices the customer signed for.
        """
        if self.contract is not None:
            raise Conflict(f"account {self.account!r} already has a contract")
        plan = require_text(plan, "plan", max_length=64)
        grid_version = require_text(plan_grid_version, "plan_grid_version", max_length=64)
        start = require_date(service_start, "service_start")
        fee = require_money(installation_fee, "installation_fee", non_negative=True)  # art. 10.2
        is_freemium = require_bool(freemium, "freemium")
        method = PaymentMethod(require_choice(payment_method, PAYMENT_METHODS, "payment_method"))
        clean_mandate: Mandate | None = None
        if method == PaymentMethod.SEPA_DEBIT:
            # A direct debit cannot be collected without a mandate (RUM, date, debtor IBAN).
            if mandate is None:
                raise InvalidInput("sepa_debit needs a mandate", field="mandate")
            clean_mandate = mandate_from_input(mandate)
        elif mandate is not None:
            raise InvalidInput("a mandate is only for sepa_debit", field="mandate")
        self._contract_signed(
            plan=plan,
            plan_grid_version=grid_version,
            service_start=start,
            installation_fee=cents(fee),
            freemium=is_freemium,
            payment_method=method,
            mandate=clean_mandate,
        )

    @event("ContractSigned")
    def _contract_signed(
        self,
        plan: str,
        plan_grid_version: str,
        service_start: date,
        installation_fee: Money,
        freemium: bool,
        payment_method: PaymentMethod,
        mandate: Mandate | None,
    ) -> None:
        self.contract = Contract(
            plan=plan,
            plan_grid_version=plan_grid_version,
            service_start=service_start,
            installation_fee=installation_fee,
            freemium=freemium,
            payment_method=payment_method,
            mandate=mandate,
        )

    # -- options (art. 8, 12.3, 17.1) --

    def accept_option(self, option: str, pack: str | None, accepted_on: date) -> None:
        """Start an option; it is billed from ``accepted_on`` (§5.2)."""
        contract = self._require_contract()
        kind = require_choice(option, OPTION_KINDS, "option")
        day = require_date(accepted_on, "accepted_on")
        # Only Advanced Support comes in packs (art. 12.3); the caller checks the pack is in the grid.
        if kind == "advanced_support":
            clean_pack: str | None = require_text(pack, "pack", max_length=32)
        elif pack is not None:
            raise InvalidInput(f"{kind} takes no pack", field="pack")
        else:
            clean_pack = None
        self._require_in_service(day, "accepted_on", contract)
        for interval in self.options:
            # Intervals of one option never overlap, or the option would be billed twice for a day.
            if interval.option == kind and (interval.ended_on is None or interval.ended_on >= day):
                raise Conflict(f"option {kind} is already active on {day.isoformat()}", field="option")
        self._option_accepted(option=kind, pack=clean_pack, accepted_on=day)

    @event("OptionAccepted")
    def _option_accepted(self, option: str, pack: str | None, accepted_on: date) -> None:
        self.options.append(OptionInterval(option=option, pack=pack, accepted_on=accepted_on, ended_on=None))

    def end_option(self, option: str, ended_on: date) -> None:
        """End an active option; ``ended_on`` is its last billed day (inclusive, §5.2)."""
        self._require_contract()
        kind = require_choice(option, OPTION_KINDS, "option")
        day = require_date(ended_on, "ended_on")
        open_ones = [i for i in self.options if i.option == kind and i.ended_on is None]
        if not open_ones:
            if any(i.option == kind for i in self.options):
                raise Conflict(f"option {kind} has already ended", field="option")
            raise NotFound(f"option {kind} was never accepted on this account", field="option")
        if day < open_ones[0].accepted_on:
            raise InvalidInput(
                f"ended_on must not be before accepted_on {open_ones[0].accepted_on.isoformat()}",
                field="ended_on",
            )
        self._option_ended(option=kind, ended_on=day)

    @event("OptionEnded")
    def _option_ended(self, option: str, ended_on: date) -> None:
        self.options = [
            replace(item, ended_on=ended_on) if item.option == option and item.ended_on is None else item
            for item in self.options
        ]

    # -- hours --

    def record_support_hours(self, on: date, hours: Decimal, note: str) -> None:
        """Hours of Advanced Support used on a day; those beyond the pack are billed (§5.3)."""
        contract = self._require_contract()
        day = require_date(on, "on")
        amount = require_hours(hours, "hours")
        clean_note = optional_text(note, "note", multiline=True)
        self._require_in_service(day, "on", contract)
        if self.option_active_on("advanced_support", day) is None:
            raise InvalidInput(f"no Advanced Support option is active on {day.isoformat()}", field="on")
        self._support_hours_recorded(on=day, hours=plain_hours(amount), note=clean_note)

    @event("SupportHoursRecorded")
    def _support_hours_recorded(self, on: date, hours: Decimal, note: str) -> None:
        self._support_hours.append(SupportHours(on=on, hours=hours, note=note))

    def record_intervention(self, on: date, hours: Decimal, description: str) -> None:
        """Out-of-scope work billed at the specific-development rate (art. 7.2, 12.6; §5.6)."""
        contract = self._require_contract()
        day = require_date(on, "on")
        amount = require_hours(hours, "hours")
        text = require_text(description, "description", max_length=2000, multiline=True)
        self._require_in_service(day, "on", contract)
        self._intervention_recorded(on=day, hours=plain_hours(amount), description=text)

    @event("InterventionRecorded")
    def _intervention_recorded(self, on: date, hours: Decimal, description: str) -> None:
        self._interventions.append(Intervention(on=on, hours=hours, description=description))

    # -- termination (art. 9.3, 14; §9: who initiated it and why decide the end and the indemnity) --

    def terminate(
        self,
        notified_on: date,
        channel: str,
        requested_end: date | None,
        initiated_by: str,
        reason: str,
        indemnity_of: Callable[[TerminationOutcome], Money],
    ) -> TerminationKind:
        """Record a termination notice; its kind (the end, whether it is early, whether the indemnity
        is owed) is computed here, once, from the contract (:func:`termination_kind`). When it owes
        the indemnity, ``indemnity_of`` prices it from the outcome (art. 14: the grid's monthly fees
        still due, which the caller reads)."""
        contract = self._require_contract()
        notice_day = require_date(notified_on, "notified_on")
        requested = optional_date(requested_end, "requested_end")
        kind = termination_kind(contract.service_start, notice_day, requested, initiated_by, reason, contract.freemium)
        fee = indemnity_of(kind.outcome) if kind.owes_indemnity else Money.zero()
        self._record_termination(kind, notice_day, channel, requested, fee, initiated_by, reason)
        return kind

    def notify_termination(
        self,
        notified_on: date,
        channel: str,
        requested_end: date | None,
        effective_end: date,
        early: bool,
        indemnity: Money,
        initiated_by: str = "customer",
        reason: str = "notice",
    ) -> None:
        """Record a termination notice with the outcome the caller worked out: the kind is computed
        as :meth:`terminate` does and a mismatch refused, so the ledger never holds an end date the
        contract does not allow."""
        contract = self._require_contract()
        self._require_not_terminated()
        notice_day = require_date(notified_on, "notified_on")
        require_choice(channel, TERMINATION_CHANNELS, "channel")
        requested = optional_date(requested_end, "requested_end")
        end = require_date(effective_end, "effective_end")
        is_early = require_bool(early, "early")
        fee = require_money(indemnity, "indemnity", non_negative=True)
        kind = termination_kind(contract.service_start, notice_day, requested, initiated_by, reason, contract.freemium)
        if (end, is_early) != (kind.outcome.effective_end, kind.outcome.early):
            raise InvalidInput(
                f"effective_end should be {kind.outcome.effective_end.isoformat()} (early={kind.outcome.early})",
                field="effective_end",
            )
        self._record_termination(kind, notice_day, channel, requested, fee, initiated_by, reason)

    def _require_not_terminated(self) -> None:
        if self.termination is not None:
            raise Conflict(f"account {self.account!r} is already terminated")

    def _record_termination(
        self, kind: TerminationKind, notified_on: date, channel: str, requested_end: date | None, indemnity: Money,
        initiated_by: str, reason: str,
    ) -> None:
        self._require_not_terminated()
        how = require_choice(channel, TERMINATION_CHANNELS, "channel")
        fee = require_money(indemnity, "indemnity", non_negative=True)
        if not kind.owes_indemnity and not fee.is_zero():
            raise InvalidInput(
                f"no indemnity is owed for this termination ({initiated_by}, {reason})", field="indemnity"
            )
        outcome = kind.outcome
        self._termination_notified(
            notified_on=notified_on,
            channel=how,
            requested_end=requested_end,
            effective_end=outcome.effective_end,
            normal_end=outcome.normal_end,
            early=outcome.early,
            indemnity=cents(fee),
            initiated_by=initiated_by,
            reason=reason,
        )

    @event("TerminationNotified")
    def _termination_notified(
        self,
        notified_on: date,
        channel: str,
        requested_end: date | None,
        effective_end: date,
        normal_end: date,
        early: bool,
        indemnity: Money,
        initiated_by: str,
        reason: str,
    ) -> None:
        self.termination = Termination(
            notified_on=notified_on,
            channel=channel,
            requested_end=requested_end,
            effective_end=effective_end,
            normal_end=normal_end,
            early=early,
            indemnity=indemnity,
            initiated_by=initiated_by,
            reason=reason,
        )

    # -- the events of the mixins (ledger/account_money.py, ledger/account_corrections.py), named here --

    _payment_recorded = event("PaymentRecorded")(AccountMoney._payment_recorded)
    _unapplied_credit_recorded = event("UnappliedCreditRecorded")(AccountMoney._unapplied_credit_recorded)
    _payment_reversed = event("PaymentReversed")(AccountMoney._payment_reversed)
    _penalty_credit_granted = event("PenaltyCreditGranted")(AccountMoney._penalty_credit_granted)
    _support_hours_withdrawn = event("SupportHoursWithdrawn")(AccountCorrections._support_hours_withdrawn)
    _intervention_withdrawn = event("InterventionWithdrawn")(AccountCorrections._intervention_withdrawn)
    _penalty_credit_withdrawn = event("PenaltyCreditWithdrawn")(AccountCorrections._penalty_credit_withdrawn)
    _option_withdrawn = event("OptionWithdrawn")(AccountCorrections._option_withdrawn)
    _contract_withdrawn = event("ContractWithdrawn")(AccountCorrections._contract_withdrawn)
