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
ledger/account_records.py and the penalty cap in ledger/penalty_cap.py; this module keeps the
aggregate: its state and thin commands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

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
    mandate_from_input,
)
from ledger.customer import Address, check_registration
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.grid import OPTION_KINDS
from ledger.input_checks import (
    decimal_str,
    money_str,
    optional_date,
    optional_text,
    require_bool,
    require_choice,
    require_date,
    require_hours,
    require_money,
    require_text,
)
from ledger.money import Money, money_sum
from ledger.months import Month
from ledger.penalty_cap import cap_room, capped_grant
from ledger.termination_kinds import termination_kind
from ledger.vat_regime import VatRegime

# Fixed forever: account aggregate ids are derived from it, so changing it would orphan every account.
ACCOUNT_NAMESPACE = uuid5(NAMESPACE_URL, "https://flexio.fr/billing/customer-account")

_Record = TypeVar("_Record")


def _cents(amount: Money) -> Money:
    """An amount as the ledger records it: two decimals ("800.00"), whatever its input's exponent."""
    return Money(Decimal(money_str(amount)))


def _plain(number: Decimal) -> Decimal:
    """Hours as the ledger records them: the positional form of the input (no exponent)."""
    return Decimal(decimal_str(number))


# --- the aggregate ---------------------------------------------------------------------------------


class CustomerAccount(Aggregate):
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
        self._account = account
        self._legal_name = legal_name
        self._siren = siren
        self._vat_number = vat_number
        self._vat_regime = VatRegime(vat_regime)
        self._billing_email = billing_email
        self._address = Address(**address)
        self._contract: Contract | None = None
        self._options: list[OptionInterval] = []
        self._support_hours: list[SupportHours] = []
        self._withdrawn_hours: list[int] = []  # numbers (1 = the first recorded)
        self._interventions: list[Intervention] = []
        self._withdrawn_interventions: list[int] = []
        self._payments: list[Payment] = []  # reversals included, as negative amounts
        self._unapplied: list[Payment] = []
        self._penalty_credits: list[PenaltyCredit] = []
        self._withdrawn_credits: list[str] = []  # credit ids
        self._termination: Termination | None = None

    # -- read-only views --

    @property
    def account(self) -> str:
        return self._account

    @property
    def legal_name(self) -> str:
        return self._legal_name

    @property
    def siren(self) -> str | None:
        return self._siren

    @property
    def vat_number(self) -> str | None:
        return self._vat_number

    @property
    def vat_regime(self) -> VatRegime:
        return self._vat_regime

    @property
    def billing_email(self) -> str:
        return self._billing_email

    @property
    def address(self) -> Address:
        return self._address

    @property
    def contract(self) -> Contract | None:
        return self._contract

    @property
    def options(self) -> list[OptionInterval]:
        """Every option interval, in acceptance order, ended or not."""
        return list(self._options)

    def option_active_on(self, option: str, day: date) -> OptionInterval | None:
        """The interval of ``option`` covering ``day``, if any (intervals never overlap)."""
        for interval in self.options:
            if interval.option == option and interval.active_on(day):
                return interval
        return None

    @property
    def support_hours(self) -> list[SupportHours]:
        return _standing(self._support_hours, self._withdrawn_hours)

    @property
    def interventions(self) -> list[Intervention]:
        return _standing(self._interventions, self._withdrawn_interventions)

    @property
    def payments(self) -> list[Payment]:
        return list(self._payments)

    @property
    def penalty_credits(self) -> list[PenaltyCredit]:
        withdrawn = self._withdrawn_credits
        return [c for c in self._penalty_credits if c.credit_id not in withdrawn]

    @property
    def termination(self) -> Termination | None:
        return self._termination

    # -- guards shared by the commands --

    def _require_contract(self) -> Contract:
        """Everything but registration needs a signed contract: there is no service start without one."""
        contract = self.contract
        if contract is None:
            raise Conflict(f"no contract: account {self._account!r} has not signed one yet")
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
        if self._contract is not None:
            raise Conflict(f"account {self._account!r} already has a contract")
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
            installation_fee=_cents(fee),
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
        self._contract = Contract(
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
        self._options.append(OptionInterval(option=option, pack=pack, accepted_on=accepted_on, ended_on=None))

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
        self._options = [
            replace(item, ended_on=ended_on) if item.option == option and item.ended_on is None else item
            for item in self._options
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
        self._support_hours_recorded(on=day, hours=_plain(amount), note=clean_note)

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
        self._intervention_recorded(on=day, hours=_plain(amount), description=text)

    @event("InterventionRecorded")
    def _intervention_recorded(self, on: date, hours: Decimal, description: str) -> None:
        self._interventions.append(Intervention(on=on, hours=hours, description=description))

    # -- payments --

    def record_payment(
        self, invoice: str, amount: Money, received_on: date, method: str, reference: str,
        recorded_on: date | None = None,
    ) -> None:
        """Money received for an invoice; also the base of the penalty cap (§6, art. 13).

        ``recorded_on`` is the day it is recorded (the service's clock): the FEC validates its entry
        that day, which may be later than the day the money was received (§12)."""
        contract = self._require_contract()
        number = require_text(invoice, "invoice", max_length=64)
        paid = require_money(amount, "amount", positive=True)
        day = require_date(received_on, "received_on")
        how = PaymentMethod(require_choice(method, PAYMENT_METHODS, "method"))
        ref = optional_text(reference, "reference", max_length=140)
        # **Decision**: no invoice exists before service start, so neither can a payment of one.
        if day < contract.service_start:
            raise InvalidInput("received_on is before service start", field="received_on")
        self._require_new_reference(ref)
        self._payment_recorded(invoice=number, amount=_cents(paid), received_on=day, method=how, reference=ref,
                               recorded_on=recorded_on)

    def has_reference(self, reference: str) -> bool:
        """Whether money with this bank reference is already recorded on the account, applied to an
        invoice or kept as unapplied credit (issue 18: the unapplied part was not compared)."""
        return bool(reference) and any(p.reference == reference for p in (*self._payments, *self._unapplied))

    def _require_new_reference(self, reference: str) -> None:
        # A bank reference identifies one transfer: the same one recorded twice would count the
        # money twice (a retried import, a double click), whether it settled an invoice or was kept
        # as unapplied credit. Empty references are not compared.
        if self.has_reference(reference):
            raise Conflict(
                f"a payment with reference {reference!r} is already recorded for this account", field="reference"
            )

    def receive_payment(
        self, allocations: Sequence[tuple[str, Money, Money]], received_on: date, method: str, reference: str,
        recorded_on: date | None = None,
    ) -> list[tuple[Money, Money]]:
        """One transfer received: for each ``(invoice, amount, owed)``, (applied, unapplied).

        ``recorded_on`` is the day it is recorded (the service's clock): the FEC validates its entries
        that day, which may be later than the day the money was received (§12).

        Each invoice is settled up to what it still ``owed``; the rest is kept as the customer's
        unapplied credit (issue 12), never counted in the §6 cap. A transfer may pay several invoices
        of the account (a statement line naming two of them). The bank reference is checked once,
        before any part is recorded, against payments AND unapplied credits: one transfer counts once
        per account (README: a reference already recorded for the account is a 409; issue 18).
        """
        contract = self._require_contract()
        day = require_date(received_on, "received_on")
        how = PaymentMethod(require_choice(method, PAYMENT_METHODS, "method"))
        ref = optional_text(reference, "reference", max_length=140)
        parts = [(require_text(invoice, "invoice", max_length=64), require_money(amount, "amount", positive=True),
                  owed) for invoice, amount, owed in allocations]
        # **Decision**: no invoice exists before service start, so neither can a payment of one.
        if day < contract.service_start:
            raise InvalidInput("received_on is before service start", field="received_on")
        self._require_new_reference(ref)
        results = []
        for number, paid, owed in parts:
            applied = min(paid.amount, max(owed.amount, Decimal(0)))
            unapplied = paid.amount - applied
            if applied > 0:
                self._payment_recorded(invoice=number, amount=_cents(Money.of(applied)), received_on=day,
                                       method=how, reference=ref, recorded_on=recorded_on)
            if unapplied > 0:
                self._unapplied_credit_recorded(invoice=number, amount=_cents(Money.of(unapplied)),
                                                received_on=day, method=how, reference=ref, recorded_on=recorded_on)
            results.append((Money.of(applied), Money.of(unapplied)))
        return results

    @event("PaymentRecorded")
    def _payment_recorded(
        self, invoice: str, amount: Money, received_on: date, method: PaymentMethod, reference: str,
        recorded_on: date | None = None,
    ) -> None:
        self._payments.append(
            Payment(invoice=invoice, amount=amount, received_on=received_on, method=method, reference=reference)
        )

    # -- allocation of money received (issue 12: payments, rejects) --

    def paid_on_invoice(self, invoice: str) -> Money:
        """What the payments recorded on this account settled of ``invoice`` (reversals included)."""
        return money_sum([p.amount for p in self.payments if p.invoice == invoice])

    @property
    def unapplied_credits(self) -> list[Payment]:
        """Money received above what its invoice still owed: kept for the customer, never in the
        penalty cap of §6 (that counts :attr:`payments` only)."""
        return list(self._unapplied)

    def record_unapplied_credit(
        self, invoice: str, amount: Money, received_on: date, method: str, reference: str,
        recorded_on: date | None = None,
    ) -> None:
        """The part of a payment above what its invoice still owed (the caller split it)."""
        self._require_contract()
        paid = require_money(amount, "amount", positive=True)
        day = require_date(received_on, "received_on")
        how = PaymentMethod(require_choice(method, PAYMENT_METHODS, "method"))
        ref = optional_text(reference, "reference", max_length=140)
        self._require_new_reference(ref)
        self._unapplied_credit_recorded(invoice=invoice, amount=_cents(paid), received_on=day, method=how, reference=ref,
                                        recorded_on=recorded_on)

    @event("UnappliedCreditRecorded")
    def _unapplied_credit_recorded(
        self, invoice: str, amount: Money, received_on: date, method: PaymentMethod, reference: str,
        recorded_on: date | None = None,
    ) -> None:
        self._unapplied.append(
            Payment(invoice=invoice, amount=amount, received_on=received_on, method=method, reference=reference)
        )

    def reverse_payment(
        self, invoice: str, amount: Money, returned_on: date, reason: str, recorded_on: date | None = None
    ) -> None:
        """A direct debit returned by the bank (R-transaction): the money paid back leaves the invoice."""
        self._require_contract()
        back = require_money(amount, "amount", positive=True)
        if back > self.paid_on_invoice(invoice):
            raise Conflict(f"cannot reverse {back} on invoice {invoice}: only {self.paid_on_invoice(invoice)} was paid")
        self._payment_reversed(
            invoice=invoice, amount=_cents(back), returned_on=require_date(returned_on, "returned_on"),
            reason=require_text(reason, "reason", max_length=4), recorded_on=recorded_on,
        )

    @event("PaymentReversed")
    def _payment_reversed(
        self, invoice: str, amount: Money, returned_on: date, reason: str, recorded_on: date | None = None
    ) -> None:
        # Kept in the payments as a negative amount: the money is not received any more (§6 cap included).
        self._payments.append(
            Payment(
                invoice=invoice, amount=-amount, received_on=returned_on, method=PaymentMethod.SEPA_DEBIT,
                reference=f"return {reason}",
            )
        )

    # -- penalty credits (§6, art. 12, 13) --

    def penalty_cap(self, incident_on: date, invoices: Mapping[str, tuple[Money, Money]] | None = None) -> Money:
        """What the window ending on ``incident_on`` can still take (§6, art. 13), possibly negative.

        Payments (HT value) received in [incident_on - 6 months, incident_on], minus the credits
        already granted for incidents in that same window. ``invoices`` maps an invoice number to
        its (total HT, total TTC); a payment of an invoice not given counts at par.
        """
        return cap_room(incident_on, self.payments, self.penalty_credits, invoices)

    def grant_penalty_credit(
        self,
        credit_id: str,
        requested: Money,
        reason: str,
        incident_on: date,
        granted_on: date,
        invoices: Mapping[str, tuple[Money, Money]] | None = None,
    ) -> Money:
        """Grant a penalty credit, capped per §6 over every window at once; returns the amount granted.

        ``invoices`` (number -> (total HT, total TTC)) turns payments into HT values (§6).
        """
        contract = self._require_contract()
        cid = require_text(credit_id, "id", max_length=64)
        asked = require_money(requested, "amount", positive=True)
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        incident = require_date(incident_on, "incident_on")
        granted_day = require_date(granted_on, "granted_on")
        if incident < contract.service_start:
            raise InvalidInput("incident_on is before service start", field="incident_on")
        if granted_day < incident:
            raise InvalidInput("granted_on must not be before incident_on", field="granted_on")
        if any(c.credit_id == cid for c in self._penalty_credits):
            raise Conflict(f"penalty credit {cid!r} was already granted", field="id")
        granted = capped_grant(asked, incident, self.payments, self.penalty_credits, invoices)
        self._penalty_credit_granted(
            credit_id=cid,
            requested=_cents(asked),
            granted=_cents(granted),
            capped=granted < asked,
            reason=why,
            incident_on=incident,
            granted_on=granted_day,
        )
        return _cents(granted)

    @event("PenaltyCreditGranted")
    def _penalty_credit_granted(
        self,
        credit_id: str,
        requested: Money,
        granted: Money,
        capped: bool,
        reason: str,
        incident_on: date,
        granted_on: date,
    ) -> None:
        self._penalty_credits.append(
            PenaltyCredit(
                credit_id=credit_id,
                requested=requested,
                granted=granted,
                capped=capped,
                reason=reason,
                incident_on=incident_on,
                granted_on=granted_on,
            )
        )

    # -- termination (art. 9.3, 14) --

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
        """Record a termination notice and its outcome (§9: who initiated it and why).

        The caller computes ``effective_end``/``early`` with :func:`termination_kind` and the
        indemnity with the grid; we recompute the dates and refuse a mismatch, so the ledger can never
        hold an end date the contract does not allow.
        """
        contract = self._require_contract()
        if self._termination is not None:
            raise Conflict(f"account {self._account!r} is already terminated")
        notice_day = require_date(notified_on, "notified_on")
        how = require_choice(channel, TERMINATION_CHANNELS, "channel")
        requested = optional_date(requested_end, "requested_end")
        end = require_date(effective_end, "effective_end")
        is_early = require_bool(early, "early")
        fee = require_money(indemnity, "indemnity", non_negative=True)
        kind = termination_kind(
            contract.service_start, notice_day, requested, initiated_by, reason, contract.freemium
        )
        outcome = kind.outcome
        if (end, is_early) != (outcome.effective_end, outcome.early):
            raise InvalidInput(
                f"effective_end should be {outcome.effective_end.isoformat()} (early={outcome.early})",
                field="effective_end",
            )
        if not kind.owes_indemnity and not fee.is_zero():
            raise InvalidInput(
                f"no indemnity is owed for this termination ({initiated_by}, {reason})", field="indemnity"
            )
        self._termination_notified(
            notified_on=notice_day,
            channel=how,
            requested_end=requested,
            effective_end=end,
            normal_end=outcome.normal_end,
            early=is_early,
            indemnity=_cents(fee),
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
        self._termination = Termination(
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

    # -- corrections (issue 9): each a past-tense event with its reason, kept in the history --
    #
    # A fact may be withdrawn only while no issued invoice can have used it: its month must be
    # after ``closed_through`` (the latest month whose close has started). A closed month's facts
    # are corrected by a credit note instead. To correct a fact, withdraw it and record it again.

    @staticmethod
    def _require_open_month(day: date, closed_through: Month | None, what: str) -> None:
        if closed_through is not None and Month.of(day) <= closed_through:
            raise Conflict(
                f"{what} of {day.isoformat()} belongs to {Month.of(day)}, whose close has started:"
                " correct it with a credit note"
            )

    def withdraw_support_hours(self, number: int, reason: str, closed_through: Month | None) -> None:
        """Withdraw support-hours record ``number`` (1 = the first recorded), e.g. entered twice."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        record = _numbered(self._support_hours, self._withdrawn_hours, number, "support-hours record")
        self._require_open_month(record.on, closed_through, "the support-hours record")
        # The record's values travel with the event: the read model finds the row by them.
        self._support_hours_withdrawn(
            number=number, reason=why, on=record.on, hours=record.hours, note=record.note
        )

    @event("SupportHoursWithdrawn")
    def _support_hours_withdrawn(self, number: int, reason: str, on: date, hours: Decimal, note: str) -> None:
        self._withdrawn_hours.append(number)

    def withdraw_intervention(self, number: int, reason: str, closed_through: Month | None) -> None:
        """Withdraw intervention ``number`` (1 = the first recorded), e.g. the same one posted three times."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        record = _numbered(self._interventions, self._withdrawn_interventions, number, "intervention")
        self._require_open_month(record.on, closed_through, "the intervention")
        self._intervention_withdrawn(
            number=number, reason=why, on=record.on, hours=record.hours, description=record.description
        )

    @event("InterventionWithdrawn")
    def _intervention_withdrawn(
        self, number: int, reason: str, on: date, hours: Decimal, description: str
    ) -> None:
        self._withdrawn_interventions.append(number)

    def withdraw_penalty_credit(self, credit_id: str, reason: str, used: bool) -> None:
        """Withdraw a penalty credit that no issued invoice has deducted (``used`` says one has)."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        if not any(c.credit_id == credit_id for c in self.penalty_credits):
            raise NotFound(f"penalty credit {credit_id!r} not found", field="id")
        if used:
            raise Conflict(f"penalty credit {credit_id!r} was deducted on an issued invoice: issue a credit note")
        self._penalty_credit_withdrawn(credit_id=credit_id, reason=why)

    @event("PenaltyCreditWithdrawn")
    def _penalty_credit_withdrawn(self, credit_id: str, reason: str) -> None:
        self._withdrawn_credits.append(credit_id)

    def withdraw_option(self, option: str, accepted_on: date, reason: str, closed_through: Month | None) -> None:
        """Withdraw an option recorded by mistake (the interval accepted on ``accepted_on``)."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        kind = require_choice(option, OPTION_KINDS, "option")
        day = require_date(accepted_on, "accepted_on")
        if not any(o.option == kind and o.accepted_on == day for o in self._options):
            raise NotFound(f"no option {kind} accepted on {day.isoformat()}", field="accepted_on")
        self._require_open_month(day, closed_through, f"option {kind}")
        self._option_withdrawn(option=kind, accepted_on=day, reason=why)

    @event("OptionWithdrawn")
    def _option_withdrawn(self, option: str, accepted_on: date, reason: str) -> None:
        self._options = [o for o in self._options if not (o.option == option and o.accepted_on == accepted_on)]

    def withdraw_contract(self, reason: str, closed_through: Month | None, has_usage: bool) -> None:
        """Withdraw a contract signed by mistake, before anything of it was invoiced or used; it can
        then be signed again with the right terms."""
        why = require_text(reason, "reason", max_length=2000, multiline=True)
        contract = self._require_contract()
        self._require_open_month(contract.service_start, closed_through, "the contract")
        if has_usage or self.support_hours or self.interventions or self._payments or self._termination is not None:
            raise Conflict("the contract already has usage, hours, payments or a termination: it cannot be withdrawn")
        self._contract_withdrawn(reason=why)

    @event("ContractWithdrawn")
    def _contract_withdrawn(self, reason: str) -> None:
        self._contract = None
        self._options = []


def _standing(records: Sequence[_Record], withdrawn: Sequence[int]) -> list[_Record]:
    """The records not withdrawn, in recording order (``withdrawn`` holds numbers, 1 = the first)."""
    if not withdrawn:
        return list(records)
    return [record for number, record in enumerate(records, start=1) if number not in withdrawn]


def _numbered(records: Sequence[_Record], withdrawn: Sequence[int], number: int, what: str) -> _Record:
    """Record ``number`` (1 = the first recorded), refused if there is none or it is withdrawn."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(records):
        raise NotFound(f"{what} {number!r} not found", field="number")
    if number in withdrawn:
        raise Conflict(f"{what} {number} is already withdrawn")
    return records[number - 1]
