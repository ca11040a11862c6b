"""Customer cases after their receipt: reading them, deadlines, finance's resolution and the
confirmations of terminations and option requests (API.md "Disputes", §8, §9, art. 17.1).

Recording messages is :mod:`billing.services.case_intake`; the shapes finance sees are
:mod:`billing.services.case_views`. Cases are read from the ledger one at a time and from the
``cases`` read model (``billing/persistence/queries/cases.py``) in lists.
"""

from __future__ import annotations

import hashlib
import uuid
from contextlib import AbstractContextManager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from billing.commands.accounts import AcceptOption, NotifyTermination
from billing.commands.cases import AcceptOptionRequest, AnswerCase, ConfirmTermination, ResolveCase
from billing.persistence.eventstore import Ledger
from billing.services.accounts import AccountService
from billing.services.aggregates import find_aggregate, get_aggregate, run_command
from billing.services.case_intake import CaseIntake, MailRefused, MessageStore
from billing.services.case_views import CaseRow, case_view, case_view_from_row, mail_view, overdue, then_view
from billing.services.credit_notes import CreditNoteService
from billing.services.ports import ReadModels
from billing.settings import Settings
from cases.disputes import TERMINATION_KINDS
from cases.senders import SenderDirectory
from ledger.case import KINDS, Case, CaseKind, CaseStatus
from ledger.clock import Clock, today
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.input_checks import money_str, require_choice
from ledger.invoice import Invoice, InvoiceStatus
from ledger.money import Money

__all__ = ["STATUSES", "TERMINATION_KINDS", "CaseQueries", "CaseService"]

STATUSES = tuple(CaseStatus)
# ``?status=open`` lists every case still waiting for its resolution (§8): acknowledging or
# answering a case does not close it, only its resolution does (issue 18).
LISTED_AS: dict[str, tuple[str, ...]] = {CaseStatus.OPEN: (CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED, CaseStatus.ANSWERED)}


class CaseQueries(Protocol):
    """What the case use cases read from the read models (``billing/persistence/queries/cases.py``)."""

    def cases(self, statuses: tuple[str, ...] | None, kind: str | None) -> list[CaseRow]:
        """Cases by receipt time (then id), optionally of some statuses and one kind."""

    def invoice_total_ht(self, number: str) -> Decimal | None:
        """The invoice's total HT, or None for an unknown number."""

    def other_open_dispute(self, invoice: str, case_id: str) -> bool:
        """Whether another valid dispute than ``case_id`` is still open on ``invoice``."""

    def due_acknowledgments(self) -> list[str]:
        """Open disputes and terminations not acknowledged yet, oldest deadline first."""


class CaseService:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        queries: CaseQueries,
        messages: MessageStore,
        intake: CaseIntake,
        read_models: ReadModels,
        clock: Clock,
        accounts: AccountService,
        *,
        credit_notes: CreditNoteService,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.ledger = ledger
        self.queries = queries
        self.messages = messages
        self.intake = intake
        self.read_models = read_models
        self.clock = clock
        self.credit_notes = credit_notes  # accepted disputes end in a credit note

    # -- mail in (billing.services.case_intake) ------------------------------------------------------

    def sender_directory(self) -> SenderDirectory:
        return self.intake.sender_directory()

    def poll_turn(self) -> AbstractContextManager[bool]:
        """The mailbox poller's turn (``billing.mail.imap``): True while this process may read."""
        return self.intake.turn.hold()

    def record_email(self, raw: bytes, *, senders: SenderDirectory | None = None, catch_up: bool = True) -> dict[str, Any]:
        return self.intake.record_email(raw, senders=senders, catch_up=catch_up)

    def record_emails(
        self, raws: list[bytes], senders: SenderDirectory | None = None
    ) -> list[dict[str, Any] | MailRefused | None]:
        return self.intake.record_emails(raws, senders)

    def quarantine(self, raw: bytes, refused: MailRefused) -> None:
        """Record why the poller sets a message aside (issue 17)."""
        self.intake.quarantine(raw, refused)

    def quarantined(self) -> list[dict[str, Any]]:
        """The messages set aside, oldest first (``GET /v1/admin/disputes/quarantine``)."""
        return self.intake.quarantined()

    def raw_message(self, case_key: str) -> bytes:
        """The message as received, checked against the digest its case recorded."""
        case = self._case(case_key)
        raw = self.messages.raw(case.mail.sha256)
        if raw is None or hashlib.sha256(raw).hexdigest() != case.mail.sha256:
            raise Conflict(f"the stored message of case {case_key} is missing or altered")
        return raw

    # -- reading -----------------------------------------------------------------------------------

    def _key(self, case_key: str) -> uuid.UUID:
        try:
            return uuid.UUID(case_key)
        except ValueError:
            raise NotFound(f"case {case_key!r} not found") from None

    def _case(self, case_key: str) -> Case:
        case: Case = get_aggregate(self.ledger, self._key(case_key), f"case {case_key!r}")
        return case

    def get(self, case_key: str) -> dict[str, Any]:
        case = self._case(case_key)
        view = case_view(case)
        view["overdue"] = overdue(view, today(self.clock))
        view["mail"] = mail_view(case.mail)
        return view

    def list_cases(self, status: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        if status is not None:
            status = require_choice(status, STATUSES, "status")
        if kind is not None:
            kind = require_choice(kind, KINDS, "kind")
        self.read_models.sync()  # a case just changed by a job is listed in its new state
        statuses = None if status is None else LISTED_AS.get(status, (status,))
        rows = self.queries.cases(statuses, kind)
        on = today(self.clock)
        return [{**view, "overdue": overdue(view, on)} for view in map(case_view_from_row, rows)]

    # -- case life ---------------------------------------------------------------------------------

    def resolve(self, case_key: str, command: ResolveCase) -> dict[str, Any]:
        """Finance's decision (§8). Rejected: the invoice is released for direct debit again.
        Accepted: a credit note of the amount HT is issued with the resolution (the invoice becomes
        ``credited`` when nothing is left, otherwise ``accepted``)."""
        outcome, note, amount = command.outcome, command.note, command.amount_ht
        self.read_models.sync()  # _other_holds reads the cases read model
        case = self._case(case_key)
        on = today(self.clock)
        if amount is not None and case.invoice:
            total_ht = self.queries.invoice_total_ht(case.invoice)
            if total_ht is not None and amount.amount > total_ht:
                raise InvalidInput(
                    f"amount_ht {money_str(amount)} is more than the invoice's total HT {total_ht:.2f}", field="amount_ht"
                )
        for _ in range(10):
            case = self._case(case_key)
            touched: list[Any] = [case]
            credited, resolution_note = False, note  # each attempt starts again from the request
            if outcome == "rejected" and case.invoice:
                invoice = find_aggregate(self.ledger, Invoice.create_id(case.invoice))
                if (invoice is not None and invoice.status == InvoiceStatus.DISPUTED and case.valid
                        and not self._other_holds(case)):
                    invoice.clear_dispute(str(case.id), on)
                    touched.append(invoice)
            elif outcome == "accepted" and case.invoice and case.valid:
                resolution_note, credited = self._settle_accepted(case, amount, note, on, touched)
            case.resolve(outcome, on, amount, resolution_note)
            try:
                self.ledger.save(*touched)
            except IntegrityError:
                continue
            if credited:
                self.credit_notes.after_issue()
            self.read_models.sync()
            return case_view(case)
        raise Conflict("the case is being changed by another request; retry")

    def _settle_accepted(self, case: Case, amount: Money | None, note: str, on: date,
                         touched: list[Any]) -> tuple[str, bool]:
        """An accepted dispute ends in a credit note of the accepted amount HT (§7, §8), saved with the
        case in one transaction; an invoice not fully credited is then ``accepted`` and collected net of
        it, unless another valid dispute still holds it. Returns the case's note and whether a credit
        note was issued."""
        invoice = find_aggregate(self.ledger, Invoice.create_id(case.invoice)) if case.invoice else None
        if invoice is None or invoice.status != InvoiceStatus.DISPUTED:
            return note, False
        credited = False
        if amount is not None:
            reason = note or f"Contestation acceptée (dossier {case.id})"
            prepared = self.credit_notes.prepare(invoice.number, amount, reason)
            invoice, credited = prepared.invoice, True
            touched.extend(prepared.aggregates)
            note = f"{note} (avoir {prepared.number})".strip()
        if invoice.status == InvoiceStatus.DISPUTED and not self._other_holds(case):
            invoice.accept(on)
            if invoice not in touched:
                touched.append(invoice)
        return note, credited

    def _other_holds(self, case: Case) -> bool:
        """Another valid dispute still open on the same invoice keeps it held."""
        return case.invoice is not None and self.queries.other_open_dispute(case.invoice, str(case.id))

    def termination_to_confirm(self, case_key: str) -> str | None:
        """The termination kind the email asks for, once the case is known to be one finance can still
        confirm (404, 409 otherwise): the route builds :class:`ConfirmTermination` with it."""
        return self._termination_case(case_key)[0].assessment.termination_kind

    def _termination_case(self, case_key: str) -> tuple[Case, str]:
        case = self._case(case_key)
        if case.kind != CaseKind.TERMINATION:
            raise Conflict(f"case {case_key} is a {case.kind}, not a termination request")
        if case.status == CaseStatus.RESOLVED:
            raise Conflict("this case is already resolved")
        account = case.assessment.account
        if account is None:
            raise Conflict("the sender matches no customer: confirm the termination on the customer's account instead")
        return case, account

    def confirm_termination(self, case_key: str, command: ConfirmTermination) -> dict[str, Any]:
        """Finance confirms a termination email into the ledger's termination (§9, art. 9.3, 14): notified
        on the day of receipt, by email; the case is then resolved ``accepted`` with the outcome."""
        case, account = self._termination_case(case_key)
        kind = command.kind
        received_on = case.received_on
        notice = NotifyTermination(
            notified_on=received_on,
            channel="email",
            requested_end=command.requested_end,
            # §9: the customer asks; only an end after 30 days of interruption is the no-indemnity kind.
            # end_of_period and early are both a customer's notice, told apart by the requested end.
            initiated_by="customer",
            reason="interruption" if kind == "interruption" else "notice",
        )
        try:
            outcome = self.accounts.notify_termination(account, notice)
        except Conflict:
            # A retry after a crash between the two saves: the account already holds this notice.
            termination = self.accounts.get(account).termination
            if termination is None or termination.notified_on != received_on:
                raise
            outcome = {"effective_end": termination.effective_end.isoformat(), "early": termination.early,
                       "indemnity": str(termination.indemnity)}
        note = (
            f"termination confirmed ({kind}): effective end {outcome['effective_end']}, early {outcome['early']}, "
            f"indemnity {outcome['indemnity']}"
        )
        view = run_command(
            self.ledger, self._key(case_key), lambda c: then_view(c.resolve("accepted", today(self.clock), None, note), c),
            what=f"case {case_key!r}", after_save=self.read_models.sync,
        )
        view["termination"] = {**outcome, "kind": kind}
        return view

    def option_request_to_accept(self, case_key: str) -> None:
        """404 or 409 unless the case is an option request finance can still accept (checked before the
        request's own values, as always)."""
        self._option_case(case_key)

    def _option_case(self, case_key: str) -> tuple[Case, str, str]:
        case = self._case(case_key)
        request = case.assessment.request
        if not request:
            raise Conflict(f"case {case_key} is not an option request")
        if case.status == CaseStatus.RESOLVED:
            raise Conflict("this case is already resolved")
        account = case.assessment.account
        if account is None:
            raise Conflict("the sender matches no customer: accept the option on the customer's account instead")
        return case, account, request

    def accept_option_request(self, case_key: str, command: AcceptOptionRequest) -> dict[str, Any]:
        """Finance accepts a reference opt-out request (art. 17.1): the option, and its price, start on the
        acceptance day; the case is resolved ``accepted``."""
        _case, account, request = self._option_case(case_key)
        assert self.accounts is not None  # checked by _option_case
        accepted_on = command.accepted_on or today(self.clock)
        active = self.accounts.get(account).option_active_on(request, accepted_on)
        if active is None or active.accepted_on != accepted_on:  # else: accepted by a run stopped before the case
            self.accounts.accept_option(account, AcceptOption(option=request, pack=None, accepted_on=accepted_on))
        note = f"option {request} accepted from {accepted_on.isoformat()} (art. 17.1)"
        return run_command(
            self.ledger, self._key(case_key), lambda c: then_view(c.resolve("accepted", today(self.clock), None, note), c),
            what=f"case {case_key!r}", after_save=self.read_models.sync,
        )

    def answer(self, case_key: str, command: AnswerCase) -> dict[str, Any]:
        """Finance answered the customer today (§8: by the 7th day after receipt)."""
        on = today(self.clock)
        return run_command(
            self.ledger, self._key(case_key), lambda c: then_view(c.answer(on, command.note), c),
            what=f"case {case_key!r}", after_save=self.read_models.sync,
        )

    # -- acknowledgments (billing.mail.acknowledgments) --------------------------------------------

    def due_acknowledgments(self) -> list[str]:
        """Cases still to acknowledge (open disputes and terminations), oldest deadline first."""
        self.read_models.sync()
        return self.queries.due_acknowledgments()

    def mark_acknowledged(self, case_key: str, at: datetime, sent_to: str, reference: str) -> None:
        run_command(
            self.ledger, self._key(case_key), lambda c: c.acknowledge(at, sent_to, reference),
            what=f"case {case_key!r}", after_save=self.read_models.sync,
        )

    def case(self, case_key: str) -> Case:
        return self._case(case_key)
