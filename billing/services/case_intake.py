"""Messages to compta@flexio.fr recorded as cases (API.md "Disputes", §8).

``record_email`` is the one entry point of the HTTP upload and the IMAP poller: parse (pure,
cases/), match the sender, assess against the invoice read model, keep the raw bytes, and save the
Case (and, for a valid dispute, the Invoice marked disputed) in one ledger transaction. The case id
is uuid5 of the Message-ID, so a repeat (a second upload, a restarted or second poller) finds the
case already there and returns it: never a second case.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate
from billing.services.case_views import assessment_record, case_view, mail_record
from billing.services.ports import JobSender, ReadModels
from cases.disputes import InvoiceFacts, assess
from cases.mail import ParsedMail, parse_message
from cases.senders import SenderDirectory
from ledger.case import Case, CaseKind, CaseStatus
from ledger.clock import Clock
from ledger.errors import InvalidInput
from ledger.invoice import Invoice, InvoiceStatus
from ledger.mail_quarantine import QuarantinedMail

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what common mail servers accept; larger uploads get 413
ACK_ID = re.compile(r"ack-([0-9a-f-]{36})@flexio\.fr")  # the Message-ID of our acknowledgments
TEXT_KEPT = 20_000  # characters of text kept in the event for finance to read (the raw bytes are stored)


class IntakeQueries(Protocol):
    """What recording a message reads from the read models (``billing/persistence/queries/cases.py``)."""

    def billing_emails(self) -> list[tuple[str, str]]:
        """(account, billing email) of every account: the poller's sender directory."""

    def billing_emails_of_domain(self, domain: str) -> list[tuple[str, str]]:
        """(account, billing email) of the accounts whose billing email is at ``domain`` (any case)."""

    def invoice_facts(self, number: str) -> InvoiceFacts | None:
        """What a dispute is assessed against (§8), or None for an unknown number."""

    def known_message_ids(self, message_ids: set[str]) -> set[str]:
        """Those of ``message_ids`` already recorded as cases."""

    def first_case_of(self, case_ids: list[str], message_ids: list[str]) -> str | None:
        """The earliest received case among those ids or Message-IDs."""


class MessageStore(Protocol):
    """The messages as received (attachments included), by SHA-256."""

    def keep(self, messages: Iterable[tuple[str, bytes]]) -> None:
        """Store (digest, raw) pairs; a digest already stored is left as it is."""

    def raw(self, sha256: str) -> bytes | None: ...


class PollTurn(Protocol):
    """One mailbox poller at a time among the processes sharing the database (``billing/mail/poll_turn.py``)."""

    def hold(self) -> AbstractContextManager[bool]:
        """True inside while this process holds the turn; False when another poller does."""


class QuarantineQueries(Protocol):
    """The messages set aside (``billing/persistence/queries/quarantine.py``)."""

    def quarantined(self) -> list[dict[str, Any]]:
        """Every quarantined message, oldest first: sha256, message_id, sender, subject, received_at,
        size, reason, field."""


@dataclass(frozen=True)
class MailRefused:
    """A message of the poller's chunk that could not be recorded as a case: nothing of it was
    saved, and the poller moves it to the Quarantine folder with this reason (issue 17)."""

    reason: str
    field: str | None
    message_id: str | None
    sender: str | None
    subject: str | None


def refusal_of(exc: Exception, mail: ParsedMail | None) -> MailRefused:
    """Why a message failed, from the error: the guard's or the parser's InvalidInput names a field;
    any other exception is kept by its type and message (it is a bug, and logged as one)."""
    if isinstance(exc, InvalidInput):
        reason, field = exc.message, exc.field
    else:
        reason, field = f"{type(exc).__name__}: {exc}", None
    return MailRefused(
        reason=reason, field=field,
        message_id=None if mail is None else mail.message_id,
        sender=None if mail is None else mail.sender,
        subject=None if mail is None else mail.subject,
    )


def check_size(raw: bytes) -> None:
    if not raw.strip():
        raise InvalidInput("the message is empty", field="body")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise InvalidInput(f"the message is larger than {MAX_MESSAGE_BYTES} bytes", field="body")


class CaseIntake:
    def __init__(self, ledger: Ledger, queries: IntakeQueries, messages: MessageStore, read_models: ReadModels,
                 clock: Clock, jobs: JobSender, turn: PollTurn, quarantine: QuarantineQueries | None = None) -> None:
        self.quarantine_queries = quarantine
        self.ledger = ledger
        self.queries = queries
        self.messages = messages
        self.read_models = read_models
        self.clock = clock
        self.jobs = jobs
        self.turn = turn

    def sender_directory(self) -> SenderDirectory:
        return SenderDirectory(self.queries.billing_emails())

    def _directory_for(self, sender: str) -> SenderDirectory:
        """The accounts one sender can match (same address or same domain): one indexed-size query
        instead of every account, for a single upload."""
        domain = sender.rpartition("@")[2]
        if not domain:
            return SenderDirectory([])
        return SenderDirectory(self.queries.billing_emails_of_domain(domain))

    def _keep_raw(self, raws: list[bytes]) -> None:
        """Store the messages as received (attachments included), by SHA-256, before their cases are
        saved: writing one twice is a no-op, and a crash before the ledger save leaves only an
        unreferenced row."""
        self.messages.keep({hashlib.sha256(raw).hexdigest(): raw for raw in raws}.items())

    def _prepare(
        self, raw: bytes, mail: ParsedMail, directory: SenderDirectory, facts_of: Callable[[str], InvoiceFacts | None]
    ) -> Case:
        """Assess one parsed message into a new (unsaved) Case."""
        account = directory.match(mail.sender)
        outcome = assess(mail, account, facts_of)
        record = assessment_record(mail, account, outcome, reply_to=self._thread_parent(mail))
        details = mail_record(hashlib.sha256(raw).hexdigest(), len(raw), mail, TEXT_KEPT)
        return Case(message_id=mail.message_id, received_at=outcome.received_at, assessment=record, mail=details)

    def _thread_parent(self, mail: ParsedMail) -> str | None:
        """The case this message answers: the In-Reply-To/References name our acknowledgment
        (<ack-{case}@flexio.fr>) or a message already recorded. A reply stays its own case (nothing is
        dropped); finance sees it threaded under the first one."""
        refs = re.findall(r"<([^<>\s]{1,500})>", f"{mail.headers.get('In-Reply-To', '')} {mail.headers.get('References', '')}")
        if not refs:
            return None
        ack_cases = [m.group(1) for r in refs if (m := ACK_ID.fullmatch(r))]
        self.read_models.sync()
        return self.queries.first_case_of(ack_cases, refs)

    def _holds(self, case: Case, invoices: dict[str, Any]) -> Any | None:
        """§8: a valid dispute marks its issued invoice disputed, saved with the case."""
        number = case.invoice
        if case.kind != CaseKind.DISPUTE or not case.valid or number is None:
            return None
        invoice = invoices.get(number)
        if invoice is None:
            invoice = find_aggregate(self.ledger, Invoice.create_id(number))
            if invoice is None:
                return None
            invoices[number] = invoice
        if invoice.status != InvoiceStatus.ISSUED:
            return None
        invoice.mark_disputed(str(case.id), case.received_on)
        return invoice

    def record_email(self, raw: bytes, *, senders: SenderDirectory | None = None, catch_up: bool = True) -> dict[str, Any]:
        """Record one raw message; the same Message-ID again returns the case already recorded."""
        check_size(raw)
        mail = parse_message(raw, self.clock.now())
        case_id = Case.create_id(mail.message_id)
        existing = find_aggregate(self.ledger, case_id)
        if existing is not None:
            return case_view(existing)
        case = self._prepare(raw, mail, senders or self._directory_for(mail.sender), self.queries.invoice_facts)
        # The guard of the save (ledger/event_guard.py) before the raw bytes are kept: a refused
        # message (a NUL in its subject) is a 422 naming the field with nothing written at all.
        self.ledger.check(case)
        touched: list[Any] = [case]
        invoice = self._holds(case, {})
        if invoice is not None:
            touched.append(invoice)
        self._keep_raw([raw])
        try:
            self.ledger.save(*touched)
        except IntegrityError:
            # Another request or poller recorded the same Message-ID first (or the invoice moved):
            # the case recorded by the winner is the answer; otherwise retry against the new state.
            winner = find_aggregate(self.ledger, case_id)
            if winner is not None:
                return case_view(winner)
            return self.record_email(raw, senders=senders, catch_up=catch_up)
        if catch_up and invoice is not None:
            # The invoice's new status is read from the read model by the invoice routes and SEPA
            # selection; the case itself is read from the ledger, and lists catch up before reading.
            self.read_models.sync()
        if case.status == CaseStatus.OPEN:
            self.jobs.send_acknowledgments()
        return case_view(case)

    def record_emails(
        self, raws: list[bytes], senders: SenderDirectory | None = None
    ) -> list[dict[str, Any] | MailRefused | None]:
        """The poller's batch: the new cases of a chunk saved in ONE ledger transaction (the event
        store serialises saves, so one save per message caps the rate). Messages already known (by the
        read model) return their case; any clash falls back to :meth:`record_email` one by one, which
        settles it exactly. ``None`` for a message that cannot be recorded (empty, oversized); a
        :class:`MailRefused` for one whose parsing or whose case the guard refused, or that failed in
        any other way (issue 17): nothing of it is saved, and the rest of the chunk goes on."""
        directory = senders or self.sender_directory()
        parsed: list[tuple[int, bytes, ParsedMail]] = []
        views: list[dict[str, Any] | MailRefused | None] = [None] * len(raws)
        for i, raw in enumerate(raws):
            try:
                check_size(raw)
            except InvalidInput:
                continue
            try:
                parsed.append((i, raw, parse_message(raw, self.clock.now())))
            except Exception as exc:  # one bad message never stops the chunk
                views[i] = self._refused(exc, None)
        known = self.queries.known_message_ids({mail.message_id for _i, _raw, mail in parsed})
        facts_cache: dict[str, InvoiceFacts | None] = {}

        def facts_of(number: str) -> InvoiceFacts | None:
            if number not in facts_cache:
                facts_cache[number] = self.queries.invoice_facts(number)
            return facts_cache[number]

        new: dict[str, Case] = {}
        invoices: dict[str, Any] = {}
        touched: list[Any] = []
        kept: list[tuple[int, bytes, ParsedMail]] = []
        for i, raw, mail in parsed:
            if mail.message_id in known or mail.message_id in new:
                kept.append((i, raw, mail))
                continue
            try:
                case = self._prepare(raw, mail, directory, facts_of)
                self.ledger.check(case)  # the save's guard, message by message: the chunk's save then passes
            except Exception as exc:
                views[i] = self._refused(exc, mail)
                continue
            kept.append((i, raw, mail))
            new[mail.message_id] = case
            touched.append(case)
            invoice = self._holds(case, invoices)
            if invoice is not None and invoice not in touched:
                touched.append(invoice)
        self._keep_raw([raws[i] for i, _raw, mail in kept if mail.message_id in new])
        try:
            if touched:
                self.ledger.save(*touched)
        except (IntegrityError, InvalidInput):
            # A clash, or an invoice event the guard refused: settle each message on its own.
            for i, raw, mail in kept:
                views[i] = self._record_alone(raw, directory, mail)
            self.read_models.sync()
            return views
        self.read_models.sync()
        for i, raw, mail in kept:
            saved = new.get(mail.message_id)
            views[i] = case_view(saved) if saved is not None else self._record_alone(raw, directory, mail)
        if any(c.status == CaseStatus.OPEN for c in new.values()):
            self.jobs.send_acknowledgments()
        return views

    def _record_alone(self, raw: bytes, directory: SenderDirectory, mail: ParsedMail) -> dict[str, Any] | MailRefused:
        try:
            return self.record_email(raw, senders=directory, catch_up=False)
        except Exception as exc:
            return self._refused(exc, mail)

    @staticmethod
    def _refused(exc: Exception, mail: ParsedMail | None) -> MailRefused:
        if not isinstance(exc, InvalidInput):
            log.exception("a message could not be recorded (quarantined): %s", exc)
        return refusal_of(exc, mail)

    def quarantine(self, raw: bytes, refused: MailRefused) -> None:
        """Record why a message is set aside (before the poller moves it to the Quarantine folder).
        The same message again (its move failed last time) finds its record already there."""
        digest = hashlib.sha256(raw).hexdigest()
        record = QuarantinedMail.of(
            sha256=digest, size=len(raw), message_id=refused.message_id, sender=refused.sender,
            subject=refused.subject, received_at=self.clock.now(), reason=refused.reason, field=refused.field,
        )
        if find_aggregate(self.ledger, record.id) is not None:
            return
        try:
            self.ledger.save(record)
        except IntegrityError:
            return  # another poller recorded it first

    def quarantined(self) -> list[dict[str, Any]]:
        """The messages set aside, oldest first, as finance lists them."""
        if self.quarantine_queries is None:
            return []
        self.read_models.sync()
        return self.quarantine_queries.quarantined()
