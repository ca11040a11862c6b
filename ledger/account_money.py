"""The money of a customer account: payments received, unapplied credits, reversals, penalty credits.

A mixin of :class:`ledger.account.CustomerAccount` (its commands and mutators, written apart so the
aggregate reads as registration, contract and service): like ledger/document_lifecycle.py, its
mutators are plain methods and the aggregate declares each event under its own name, one line each,
so the events stay ``CustomerAccount.PaymentRecorded`` and so on (the read models key on them)::

    _payment_recorded = event("PaymentRecorded")(AccountMoney._payment_recorded)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from ledger.account_records import (
    PAYMENT_METHODS,
    Contract,
    Payment,
    PaymentMethod,
    PenaltyCredit,
    cents,
)
from ledger.errors import Conflict, InvalidInput
from ledger.input_checks import optional_text, require_choice, require_date, require_money, require_text
from ledger.money import Money, money_sum
from ledger.penalty_cap import cap_room, capped_grant


class AccountMoney:
    """Commands and mutators of the money received and the credits granted; the aggregate names the events."""

    payments: list[Payment]  # reversals included, as negative amounts
    # Money received above what its invoice still owed: kept for the customer, never in the
    # penalty cap of §6 (that counts :attr:`payments` only).
    unapplied_credits: list[Payment]
    _penalty_credits: list[PenaltyCredit]  # withdrawn ones included
    _withdrawn_credits: list[str]  # credit ids

    def _require_contract(self) -> Contract:
        raise NotImplementedError  # the aggregate's guard (ledger/account.py)

    @property
    def penalty_credits(self) -> list[PenaltyCredit]:
        """The penalty credits granted and not withdrawn, in grant order."""
        withdrawn = self._withdrawn_credits
        return [c for c in self._penalty_credits if c.credit_id not in withdrawn]

    # -- payments (art. 10.2; §6: the base of the penalty cap) --

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
        self._payment_recorded(invoice=number, amount=cents(paid), received_on=day, method=how, reference=ref,
                               recorded_on=recorded_on)

    def has_reference(self, reference: str) -> bool:
        """Whether money with this bank reference is already recorded on the account, applied to an
        invoice or kept as unapplied credit (issue 18: the unapplied part was not compared)."""
        return bool(reference) and any(p.reference == reference for p in (*self.payments, *self.unapplied_credits))

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
                self._payment_recorded(invoice=number, amount=cents(Money.of(applied)), received_on=day,
                                       method=how, reference=ref, recorded_on=recorded_on)
            if unapplied > 0:
                self._unapplied_credit_recorded(invoice=number, amount=cents(Money.of(unapplied)),
                                                received_on=day, method=how, reference=ref, recorded_on=recorded_on)
            results.append((Money.of(applied), Money.of(unapplied)))
        return results

    def _payment_recorded(
        self, invoice: str, amount: Money, received_on: date, method: PaymentMethod, reference: str,
        recorded_on: date | None = None,
    ) -> None:
        self.payments.append(
            Payment(invoice=invoice, amount=amount, received_on=received_on, method=method, reference=reference)
        )

    # -- allocation of money received (issue 12: payments, rejects) --

    def paid_on_invoice(self, invoice: str) -> Money:
        """What the payments recorded on this account settled of ``invoice`` (reversals included)."""
        return money_sum([p.amount for p in self.payments if p.invoice == invoice])

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
        self._unapplied_credit_recorded(invoice=invoice, amount=cents(paid), received_on=day, method=how, reference=ref,
                                        recorded_on=recorded_on)

    def _unapplied_credit_recorded(
        self, invoice: str, amount: Money, received_on: date, method: PaymentMethod, reference: str,
        recorded_on: date | None = None,
    ) -> None:
        self.unapplied_credits.append(
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
            invoice=invoice, amount=cents(back), returned_on=require_date(returned_on, "returned_on"),
            reason=require_text(reason, "reason", max_length=4), recorded_on=recorded_on,
        )

    def _payment_reversed(
        self, invoice: str, amount: Money, returned_on: date, reason: str, recorded_on: date | None = None
    ) -> None:
        # Kept in the payments as a negative amount: the money is not received any more (§6 cap included).
        self.payments.append(
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
            requested=cents(asked),
            granted=cents(granted),
            capped=granted < asked,
            reason=why,
            incident_on=incident,
            granted_on=granted_day,
        )
        return cents(granted)

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
