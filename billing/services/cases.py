"""Customer cases: messages to compta@flexio.fr in, deadlines, resolution (API.md "Disputes", §8).

``record_email`` is the one entry point of the HTTP upload and the IMAP poller: parse (pure,
cases/), match the sender, assess against the invoice read model, keep the raw bytes, and save the
Case (and, for a valid dispute, the Invoice marked disputed) in one ledger transaction. The case id
is uuid5 of the Message-ID, so a repeat (a second upload, a restarted or second poller) finds the
case already there and returns it: never a second case.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import IntegrityError
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing.commands.accounts import AcceptOption, NotifyTermination
from billing.persistence import tables as t
from billing.persistence.eventstore import Ledger
from billing.persistence.projections import ReadModelProjector
from billing.services.accounts import AccountService
from billing.services.aggregates import find_aggregate, get_aggregate, run_command
from billing.services.credit_notes import CreditNoteService
from billing.services.ports import JobSender
from billing.settings import Settings
from cases.calendar import PARIS
from cases.disputes import Assessment, InvoiceFacts, assess
from cases.mail import ParsedMail, parse_message
from cases.senders import SenderDirectory
from ledger.case import OUTCOMES, Case
from ledger.clock import Clock, today
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.input_checks import money_str, optional_date, optional_text, require_choice, require_money
from ledger.invoice import Invoice
from ledger.money import Money

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # what common mail servers accept; larger uploads get 413
ACK_ID = re.compile(r"ack-([0-9a-f-]{36})@flexio\.fr")  # the Message-ID of our acknowledgments
TEXT_KEPT = 20_000  # characters of text kept in the event for finance to read (the raw bytes are stored)
TERMINATION_KINDS = ("end_of_period", "early", "interruption")  # §9, as the email asks (cases.disputes)
STATUSES = ("open", "acknowledged", "answered", "resolved", "filed")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def case_view_from_row(row: Any) -> dict[str, Any]:
    """API.md's case shape (plus the case's life) from the ``cases`` read model."""
    return {
        "case": row.case_id,
        "kind": row.kind,
        "status": row.status,
        "invoice": row.invoice,
        "amount": None if row.amount is None else f"{Decimal(row.amount):.2f}",
        "received_at": _paris(row.received_at).isoformat(),
        "valid": row.valid,
        "reasons": list(row.reasons),
        "acknowledge_by": row.acknowledge_by.isoformat(),
        "answer_by": row.answer_by.isoformat(),
        "account": row.account,
        "sender": row.sender,
        "subject": row.subject,
        "flags": list(row.flags),
        "termination_kind": row.termination_kind,
        "request": row.request,
        "reply_to": row.reply_to,
        "message_id": row.message_id,
        "acknowledged_at": None if row.acknowledged_at is None else _paris(row.acknowledged_at).isoformat(),
        "answered_on": None if row.answered_on is None else row.answered_on.isoformat(),
        "resolution": None
        if row.outcome is None
        else {
            "outcome": row.outcome,
            "amount_ht": None if row.resolved_amount_ht is None else f"{Decimal(row.resolved_amount_ht):.2f}",
            "note": row.resolution_note,
        },
    }


def _paris(instant: datetime) -> datetime:
    if instant.tzinfo is None:  # SQLite returns naive UTC for timezone-aware columns
        from datetime import UTC

        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(PARIS)


def overdue(view: dict[str, Any], on: date) -> list[str]:
    """The §8 deadlines a case has missed on ``on``: "acknowledgment" (by the next business day) and
    "answer" (by the 7th day), for disputes and terminations still waiting for them."""
    if view["kind"] not in ("dispute", "termination") or view["status"] == "resolved":
        return []
    missed = []
    if view["acknowledged_at"] is None and on > date.fromisoformat(view["acknowledge_by"]):
        missed.append("acknowledgment")
    if view["answered_on"] is None and on > date.fromisoformat(view["answer_by"]):
        missed.append("answer")
    return missed


def _then_view(_done: None, case: Case) -> dict[str, Any]:
    """For run_command: the case's view once its command has run."""
    return case_view(case)


def case_view(case: Case) -> dict[str, Any]:
    """The same shape from the aggregate itself (right after a write, before the projection)."""
    a = case.assessment
    resolution = case.resolution
    return {
        "case": str(case.id),
        "kind": a["kind"],
        "status": case.status,
        "invoice": a.get("invoice"),
        "amount": a.get("amount"),
        "received_at": datetime.fromisoformat(case.received_at).astimezone(PARIS).isoformat(),
        "valid": a["valid"],
        "reasons": list(a["reasons"]),
        "acknowledge_by": a["acknowledge_by"],
        "answer_by": a["answer_by"],
        "account": a.get("account"),
        "sender": a.get("sender") or "",
        "subject": a.get("subject") or "",
        "flags": list(a["flags"]),
        "termination_kind": a.get("termination_kind"),
        "request": a.get("request"),
        "reply_to": a.get("reply_to"),
        "message_id": case.message_id,
        "acknowledged_at": None
        if case.acknowledged_at is None
        else datetime.fromisoformat(case.acknowledged_at).astimezone(PARIS).isoformat(),
        "answered_on": case.answered_on,
        "resolution": None if resolution is None else {k: resolution[k] for k in ("outcome", "amount_ht", "note")},
    }


def assessment_record(mail: ParsedMail, account: str | None, outcome: Assessment) -> dict[str, Any]:
    return {
        "kind": outcome.kind,
        "invoice": outcome.invoice,
        "amount": None if outcome.amount is None else f"{outcome.amount:.2f}",
        "valid": outcome.valid,
        "reasons": list(outcome.reasons),
        "flags": list(outcome.flags),
        "acknowledge_by": outcome.acknowledge_by.isoformat(),
        "answer_by": outcome.answer_by.isoformat(),
        "received_on": outcome.received_at.astimezone(PARIS).date().isoformat(),
        "termination_kind": outcome.termination_kind,
        "request": outcome.request,
        "language": outcome.language,
        "account": account,
        "sender": mail.sender,
        "subject": mail.subject[:500],
    }


class CaseService:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        engine: Engine,
        projector: ReadModelProjector,
        clock: Clock,
        accounts: AccountService | None = None,
        *,
        jobs: JobSender,
        credit_notes: CreditNoteService | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.ledger = ledger
        self.engine = engine
        self.projector = projector
        self.clock = clock
        self.jobs = jobs
        self.credit_notes = credit_notes  # accepted disputes end in a credit note

    # -- mail in ---------------------------------------------------------------------------------

    def sender_directory(self) -> SenderDirectory:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.accounts.c.account, t.accounts.c.billing_email)).all()
        return SenderDirectory((row.account, row.billing_email) for row in rows)

    def _directory_for(self, sender: str) -> SenderDirectory:
        """The accounts one sender can match (same address or same domain): one indexed-size query
        instead of every account, for a single upload."""
        domain = sender.rpartition("@")[2]
        if not domain:
            return SenderDirectory([])
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.accounts.c.account, t.accounts.c.billing_email).where(
                    func.lower(t.accounts.c.billing_email).like(f"%@{_like_escape(domain)}", escape="\\")
                )
            ).all()
        return SenderDirectory((row.account, row.billing_email) for row in rows)

    def _invoice_facts(self, number: str) -> InvoiceFacts | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.invoices.c.number, t.invoices.c.account, t.invoices.c.issue_date, t.invoices.c.total_ttc,
                       t.invoices.c.status).where(t.invoices.c.number == number)
            ).first()
        if row is None:
            return None
        return InvoiceFacts(row.number, row.account, row.issue_date, Decimal(row.total_ttc), row.status)

    def _keep_raw(self, raws: list[bytes]) -> None:
        """Store the messages as received (attachments included), by SHA-256, before their cases are
        saved: writing one twice is a no-op, and a crash before the ledger save leaves only an
        unreferenced row."""
        rows = {hashlib.sha256(raw).hexdigest(): raw for raw in raws}
        if not rows:
            return
        with self.engine.begin() as conn:
            stmt = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t.case_messages)
            conn.execute(
                stmt.on_conflict_do_nothing(index_elements=["sha256"]),
                [{"sha256": d, "size": len(r), "raw": r} for d, r in rows.items()],
            )

    def raw_message(self, case_key: str) -> bytes:
        """The message as received, checked against the digest its case recorded."""
        case = self._case(case_key)
        with self.engine.connect() as conn:
            raw = conn.execute(select(t.case_messages.c.raw).where(t.case_messages.c.sha256 == case.mail["sha256"])).scalar()
        if raw is None or hashlib.sha256(bytes(raw)).hexdigest() != case.mail["sha256"]:
            raise Conflict(f"the stored message of case {case_key} is missing or altered")
        return bytes(raw)

    def _prepare(
        self, raw: bytes, mail: ParsedMail, directory: SenderDirectory, facts_of: Callable[[str], InvoiceFacts | None]
    ) -> Case:
        """Assess one parsed message into a new (unsaved) Case."""
        account = directory.match(mail.sender)
        outcome = assess(mail, account, facts_of)
        details = {
            "sha256": hashlib.sha256(raw).hexdigest(),
            "size": len(raw),
            "sender": mail.sender,
            "sender_name": mail.sender_name[:200],
            "subject": mail.subject[:500],
            "date": None if mail.date is None else mail.date.isoformat(),
            "text": mail.text[:TEXT_KEPT],
            "attachments": [asdict(a) for a in mail.attachments],
        }
        record = assessment_record(mail, account, outcome)
        record["reply_to"] = self._thread_parent(mail)
        return Case(message_id=mail.message_id, received_at=outcome.received_at.isoformat(), assessment=record, mail=details)

    def _thread_parent(self, mail: ParsedMail) -> str | None:
        """The case this message answers: the In-Reply-To/References name our acknowledgment
        (<ack-{case}@flexio.fr>) or a message already recorded. A reply stays its own case (nothing is
        dropped); finance sees it threaded under the first one."""
        refs = re.findall(r"<([^<>\s]{1,500})>", f"{mail.headers.get('In-Reply-To', '')} {mail.headers.get('References', '')}")
        if not refs:
            return None
        ack_cases = [m.group(1) for r in refs if (m := ACK_ID.fullmatch(r))]
        self.projector.catch_up()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.cases.c.case_id)
                .where(or_(t.cases.c.case_id.in_(ack_cases), t.cases.c.message_id.in_(refs)))
                .order_by(t.cases.c.received_at)
                .limit(1)
            ).first()
        return None if row is None else str(row.case_id)

    def _holds(self, case: Case, invoices: dict[str, Any]) -> Any | None:
        """§8: a valid dispute marks its issued invoice disputed, saved with the case."""
        number = case.invoice
        if case.kind != "dispute" or not case.valid or number is None:
            return None
        invoice = invoices.get(number)
        if invoice is None:
            invoice = find_aggregate(self.ledger, Invoice.create_id(number))
            if invoice is None:
                return None
            invoices[number] = invoice
        if invoice.status != "issued":
            return None
        invoice.mark_disputed(str(case.id), case.received_on())
        return invoice

    @staticmethod
    def _check_size(raw: bytes) -> None:
        if not raw.strip():
            raise InvalidInput("the message is empty", field="body")
        if len(raw) > MAX_MESSAGE_BYTES:
            raise InvalidInput(f"the message is larger than {MAX_MESSAGE_BYTES} bytes", field="body")

    def record_email(self, raw: bytes, *, senders: SenderDirectory | None = None, catch_up: bool = True) -> dict[str, Any]:
        """Record one raw message; the same Message-ID again returns the case already recorded."""
        self._check_size(raw)
        mail = parse_message(raw, self.clock.now())
        case_id = Case.create_id(mail.message_id)
        existing = find_aggregate(self.ledger, case_id)
        if existing is not None:
            return case_view(existing)
        case = self._prepare(raw, mail, senders or self._directory_for(mail.sender), self._invoice_facts)
        self._keep_raw([raw])
        touched: list[Any] = [case]
        invoice = self._holds(case, {})
        if invoice is not None:
            touched.append(invoice)
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
            self.projector.catch_up()
        if case.status == "open":
            self.jobs.send_acknowledgments()
        return case_view(case)

    def record_emails(self, raws: list[bytes], senders: SenderDirectory | None = None) -> list[dict[str, Any] | None]:
        """The poller's batch: the new cases of a chunk saved in ONE ledger transaction (the event
        store serialises saves, so one save per message caps the rate). Messages already known (by the
        read model) return their case; any clash falls back to :meth:`record_email` one by one, which
        settles it exactly. ``None`` for a message that cannot be recorded (empty, oversized)."""
        directory = senders or self.sender_directory()
        parsed: list[tuple[int, bytes, ParsedMail]] = []
        views: list[dict[str, Any] | None] = [None] * len(raws)
        for i, raw in enumerate(raws):
            try:
                self._check_size(raw)
            except InvalidInput:
                continue
            parsed.append((i, raw, parse_message(raw, self.clock.now())))
        ids = {mail.message_id for _i, _raw, mail in parsed}
        with self.engine.connect() as conn:
            known = {
                row.message_id
                for row in conn.execute(select(t.cases.c.message_id).where(t.cases.c.message_id.in_(ids)))
            } if ids else set()
        facts_cache: dict[str, InvoiceFacts | None] = {}

        def facts_of(number: str) -> InvoiceFacts | None:
            if number not in facts_cache:
                facts_cache[number] = self._invoice_facts(number)
            return facts_cache[number]

        new: dict[str, Case] = {}
        invoices: dict[str, Any] = {}
        touched: list[Any] = []
        for _i, raw, mail in parsed:
            if mail.message_id in known or mail.message_id in new:
                continue
            case = self._prepare(raw, mail, directory, facts_of)
            new[mail.message_id] = case
            touched.append(case)
            invoice = self._holds(case, invoices)
            if invoice is not None and invoice not in touched:
                touched.append(invoice)
        self._keep_raw([raws[i] for i, _raw, mail in parsed if mail.message_id in new])
        try:
            if touched:
                self.ledger.save(*touched)
        except IntegrityError:
            for i, raw, _mail in parsed:
                views[i] = self.record_email(raw, senders=directory, catch_up=False)
            self.projector.catch_up()
            return views
        self.projector.catch_up()
        for i, raw, mail in parsed:
            saved = new.get(mail.message_id)
            views[i] = case_view(saved) if saved is not None else self.record_email(raw, senders=directory, catch_up=False)
        if any(c.status == "open" for c in new.values()):
            self.jobs.send_acknowledgments()
        return views

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
        view["mail"] = {k: case.mail[k] for k in ("sender_name", "date", "text", "attachments", "size")}
        return view

    def list_cases(self, status: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        query = select(t.cases).order_by(t.cases.c.received_at, t.cases.c.case_id)
        if status is not None:
            query = query.where(t.cases.c.status == require_choice(status, STATUSES, "status"))
        if kind is not None:
            query = query.where(t.cases.c.kind == require_choice(kind, ("dispute", "termination", "other"), "kind"))
        self.projector.catch_up()  # a case just changed by a job is listed in its new state
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        on = today(self.clock)
        return [{**view, "overdue": overdue(view, on)} for view in map(case_view_from_row, rows)]

    # -- case life ---------------------------------------------------------------------------------

    def resolve(self, case_key: str, body: dict[str, Any]) -> dict[str, Any]:
        """Finance's decision (§8). Rejected: the invoice is released for direct debit again.
        Accepted: a credit note of the amount HT is issued with the resolution (the invoice becomes
        ``credited`` when nothing is left, otherwise ``accepted``)."""
        outcome = require_choice(body.get("outcome"), OUTCOMES, "outcome")
        note = optional_text(body.get("note"), "note") or ""
        raw_amount = body.get("amount_ht")
        amount = None if raw_amount is None else money_str(require_money(raw_amount, "amount_ht", positive=True))
        self.projector.catch_up()  # _other_holds reads the cases read model
        case = self._case(case_key)
        on = today(self.clock)
        if amount is not None and case.invoice:
            facts = self._invoice_facts(case.invoice)
            if facts is not None:
                with self.engine.connect() as conn:
                    total_ht = conn.execute(
                        select(t.invoices.c.total_ht).where(t.invoices.c.number == case.invoice)
                    ).scalar_one()
                if Decimal(amount) > Decimal(total_ht):
                    raise InvalidInput(
                        f"amount_ht {amount} is more than the invoice's total HT {Decimal(total_ht):.2f}", field="amount_ht"
                    )
        for _ in range(10):
            case = self._case(case_key)
            touched: list[Any] = [case]
            credited, resolution_note = False, note  # each attempt starts again from the request
            if outcome == "rejected" and case.invoice:
                invoice = find_aggregate(self.ledger, Invoice.create_id(case.invoice))
                if invoice is not None and invoice.status == "disputed" and case.valid and not self._other_holds(case):
                    invoice.clear_dispute(str(case.id), on)
                    touched.append(invoice)
            elif outcome == "accepted" and case.invoice and case.valid:
                resolution_note, credited = self._settle_accepted(case, amount, note, on, touched)
            case.resolve(outcome, on, amount, resolution_note)
            try:
                self.ledger.save(*touched)
            except IntegrityError:
                continue
            if credited and self.credit_notes is not None:
                self.credit_notes.after_issue()
            self.projector.catch_up()
            return case_view(case)
        raise Conflict("the case is being changed by another request; retry")

    def _settle_accepted(self, case: Case, amount: str | None, note: str, on: date,
                         touched: list[Any]) -> tuple[str, bool]:
        """An accepted dispute ends in a credit note of the accepted amount HT (§7, §8), saved with the
        case in one transaction; an invoice not fully credited is then ``accepted`` and collected net of
        it, unless another valid dispute still holds it. Returns the case's note and whether a credit
        note was issued."""
        invoice = find_aggregate(self.ledger, Invoice.create_id(case.invoice)) if case.invoice else None
        if invoice is None or invoice.status != "disputed":
            return note, False
        credited = False
        if amount is not None and self.credit_notes is not None:
            reason = note or f"Contestation acceptée (dossier {case.id})"
            prepared = self.credit_notes.prepare(invoice.number, Money.of(amount), reason)
            invoice, credited = prepared.invoice, True
            touched.extend(prepared.aggregates)
            note = f"{note} (avoir {prepared.number})".strip()
        if invoice.status == "disputed" and not self._other_holds(case):
            invoice.accept(on)
            if invoice not in touched:
                touched.append(invoice)
        return note, credited

    def _other_holds(self, case: Case) -> bool:
        """Another valid dispute still open on the same invoice keeps it held."""
        query = select(t.cases.c.case_id).where(
            t.cases.c.invoice == case.invoice,
            t.cases.c.kind == "dispute",
            t.cases.c.valid.is_(True),
            t.cases.c.status.in_(("open", "acknowledged", "answered")),
            t.cases.c.case_id != str(case.id),
        )
        with self.engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def confirm_termination(self, case_key: str, body: dict[str, Any]) -> dict[str, Any]:
        """Finance confirms a termination email into the ledger's termination (§9, art. 9.3, 14): notified
        on the day of receipt, by email; the case is then resolved ``accepted`` with the outcome."""
        case = self._case(case_key)
        if case.kind != "termination":
            raise Conflict(f"case {case_key} is a {case.kind}, not a termination request")
        if case.status == "resolved":
            raise Conflict("this case is already resolved")
        account = case.assessment.get("account")
        if account is None:
            raise Conflict("the sender matches no customer: confirm the termination on the customer's account instead")
        kind = require_choice(body.get("kind") or case.assessment.get("termination_kind"), TERMINATION_KINDS, "kind")
        requested_end = optional_date(body.get("requested_end"), "requested_end")
        if self.accounts is None:  # pragma: no cover - bootstrap always wires it
            raise Conflict("accounts are not available in this process")
        received_on = case.received_on()
        notice = NotifyTermination(
            notified_on=received_on,
            channel="email",
            requested_end=requested_end,
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
            self.ledger, self._key(case_key), lambda c: _then_view(c.resolve("accepted", today(self.clock), None, note), c),
            what=f"case {case_key!r}", after_save=self.projector.catch_up,
        )
        view["termination"] = {**outcome, "kind": kind}
        return view

    def accept_option_request(self, case_key: str, body: dict[str, Any]) -> dict[str, Any]:
        """Finance accepts a reference opt-out request (art. 17.1): the option, and its price, start on the
        acceptance day; the case is resolved ``accepted``."""
        case = self._case(case_key)
        request = case.assessment.get("request")
        if not request:
            raise Conflict(f"case {case_key} is not an option request")
        if case.status == "resolved":
            raise Conflict("this case is already resolved")
        account = case.assessment.get("account")
        if account is None:
            raise Conflict("the sender matches no customer: accept the option on the customer's account instead")
        if self.accounts is None:  # pragma: no cover - bootstrap always wires it
            raise Conflict("accounts are not available in this process")
        accepted_on = optional_date(body.get("accepted_on"), "accepted_on") or today(self.clock)
        active = self.accounts.get(account).option_active_on(request, accepted_on)
        if active is None or active.accepted_on != accepted_on:  # else: accepted by a run stopped before the case
            self.accounts.accept_option(account, AcceptOption(option=request, pack=None, accepted_on=accepted_on))
        note = f"option {request} accepted from {accepted_on.isoformat()} (art. 17.1)"
        return run_command(
            self.ledger, self._key(case_key), lambda c: _then_view(c.resolve("accepted", today(self.clock), None, note), c),
            what=f"case {case_key!r}", after_save=self.projector.catch_up,
        )

    def answer(self, case_key: str, on: date, note: str) -> dict[str, Any]:
        return run_command(
            self.ledger, self._key(case_key), lambda c: _then_view(c.answer(on, note), c),
            what=f"case {case_key!r}", after_save=self.projector.catch_up,
        )

    def due_acknowledgments(self) -> list[str]:
        """Cases still to acknowledge (open disputes and terminations), oldest deadline first."""
        query = (
            select(t.cases.c.case_id)
            .where(
                t.cases.c.status == "open",
                t.cases.c.acknowledged_at.is_(None),
                t.cases.c.kind.in_(("dispute", "termination")),
            )
            .order_by(t.cases.c.acknowledge_by, t.cases.c.received_at)
        )
        self.projector.catch_up()
        with self.engine.connect() as conn:
            return [row.case_id for row in conn.execute(query)]

    def mark_acknowledged(self, case_key: str, at: datetime, sent_to: str, reference: str) -> None:
        run_command(
            self.ledger, self._key(case_key), lambda c: c.acknowledge(at, sent_to, reference),
            what=f"case {case_key!r}", after_save=self.projector.catch_up,
        )

    def case(self, case_key: str) -> Case:
        return self._case(case_key)

