"""Model-based test (issue 18 item 3): random sequences of what finance, customers and the bank do, driven
through the application services of bootstrap's container on SQLite and PostgreSQL, with the clock moving,
and every invariant of ``invoices/invariants.py`` checked over the real outputs after every step (the FEC
and the workbook as exported and parsed back, SEPA files as stored, receivables, documents, and the read
models against a rebuild from the ledger).

Bounded in the normal run: ``MODEL_EXAMPLES`` sequences (default 4) of at most ``MODEL_STEPS`` steps
(default 12) per backend. ``make soak`` runs it for ``SOAK_MINUTES`` instead. Each failing sequence it
found is kept as a plain regression test in ``tests/integration/test_ledger_model_regressions.py``.

Every operation that writes an FEC entry (an issue, a payment, a return) is followed by the next day;
``back_dated_payment`` records money received days before entries already exported, which must keep
their numbers (``fec_entries_kept``, §12).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.utils import format_datetime
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test
from support.factories import GRID_2026_A, VALID_IBAN, contract, customer

from billing.bootstrap import Container, bootstrap
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
from billing.commands.credit_notes import IssueCreditNote
from billing.commands.exports import ExportSepa, RecordDirectDebitReturn
from billing.commands.payments import RecordPayment
from billing.commands.receivables import IssueLatePaymentInvoice, ReceivablesOn
from billing.services import closing as closing_module
from billing.settings import Settings
from exports.sepa import is_target2_business_day
from invoices.invariants import AuditResult
from ledger.clock import PARIS, FixedClock
from ledger.errors import BillingError
from ledger.grid_catalogue import grid_from_dict
from ledger.months import Month

NAMES = ("acme", "bravo", "charlie", "delta")
CREDITOR = {"sepa_creditor_id": "FR72ZZZ123456", "sepa_creditor_iban": "FR7630006000011234567890189",
            "sepa_creditor_bic": "AGRIFRPP"}
EXAMPLES = int(os.environ.get("MODEL_EXAMPLES", "4"))
STEPS = int(os.environ.get("MODEL_STEPS", "12"))
SOAK_MINUTES = float(os.environ.get("SOAK_MINUTES", "0"))


def describe(result: AuditResult) -> str:
    return "\n".join(f"{d.invariant}: {d.message} {dict(d.details)}" for d in result.differences)


class LedgerModel(RuleBasedStateMachine):
    """The world: up to four customers on GRID_2026_A from 20 January 2026, finance closing months in
    order, customers paying (by transfer, overpaying, twice), the bank sending statements and returns."""

    make_settings: ClassVar[Callable[[], Settings]]
    render: ClassVar[bool] = True  # documents rendered (and rejected: no seller VAT number) after closes

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(datetime(2026, 1, 20, 12, 0, tzinfo=PARIS))
        self.c: Container = bootstrap(self.make_settings(), self.clock, migrate=True)
        self.c.catalogue.publish(grid_from_dict(GRID_2026_A))
        self.accounts: list[str] = []
        self.closed: Month | None = None
        self.seq = 0
        self.strict_documents = False

    def teardown(self) -> None:
        self.c.close()

    # -- helpers --------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.clock.now().date()

    def next_day(self) -> None:
        """Move to the next day at noon: the next FEC entry is never dated before the last one."""
        self.clock.set(datetime.combine(self.today + timedelta(days=1), datetime.min.time(), PARIS).replace(hour=12))

    def ref(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}{self.seq:04d}"

    def attempt(self, action: Callable[[], Any]) -> Any:
        """Run one operation; a refusal (4xx) is an answer too, and must leave nothing half-written."""
        try:
            return action()
        except BillingError as refused:
            event(f"refused: {type(refused).__name__}: {refused.message[:60]}")
            return None

    def open_invoices(self) -> list[dict[str, Any]]:
        answered = self.c.receivables.receivables(ReceivablesOn(None))
        return list(answered["invoices"])

    def pick(self, items: list[Any], index: int) -> Any:
        return items[index % len(items)]

    # -- the world ------------------------------------------------------------------------------

    @initialize()
    def first_customer(self) -> None:
        self.add_customer(kind="sepa", plan="PRO", installation=True)

    @precondition(lambda self: len(self.accounts) < len(NAMES))
    @rule(kind=st.sampled_from(["sepa", "transfer", "freemium"]), plan=st.sampled_from(["PRO", "START"]),
          installation=st.booleans())
    def add_customer(self, kind: str, plan: str, installation: bool) -> None:
        name = NAMES[len(self.accounts)]
        self.accounts.append(name)
        self.c.accounts.register(RegisterCustomer.from_request(customer(name)))
        terms: dict[str, Any] = {"plan": plan, "installation_fee": "800.00" if installation else "0.00"}
        if kind == "sepa":
            terms["mandate"] = {"reference": f"RUM-{name.upper()}-001", "signed_on": self.today.isoformat(),
                                "iban": VALID_IBAN}
        else:
            terms.update(payment_method="transfer", mandate=None, freemium=kind == "freemium")
        self.attempt(lambda: self.c.accounts.sign_contract(
            name, SignContract.from_request(contract(self.today.isoformat(), **terms))))

    @rule(who=st.integers(0, 3), option=st.sampled_from(["branding_removal", "reference_opt_out", "advanced_support"]))
    def accept_option(self, who: int, option: str) -> None:
        body = {"option": option, "accepted_on": self.today.isoformat()}
        if option == "advanced_support":
            body["pack"] = "AS4"
        self.attempt(lambda: self.c.accounts.accept_option(self.pick(self.accounts, who),
                                                           AcceptOption.from_request(body)))

    @rule(who=st.integers(0, 3), credits=st.integers(1, 30_000), late=st.booleans(), duplicated=st.booleans())
    def usage(self, who: int, credits: int, late: bool, duplicated: bool) -> None:
        """Usage now, or late (stamped in the last closed month: a catch-up, §7b), sometimes sent twice."""
        at = self.clock.now() - timedelta(minutes=1)
        if late and self.closed is not None:
            at = datetime.combine(self.closed.last_day, datetime.min.time(), PARIS).replace(hour=10)
        body = json.dumps({"events": [{"id": self.ref("evt-"), "account": self.pick(self.accounts, who),
                                       "at": at.isoformat(), "credits": credits}]}).encode()
        self.attempt(lambda: self.c.usage.ingest(body))
        if duplicated:
            self.attempt(lambda: self.c.usage.ingest(body))

    @rule(who=st.integers(0, 3), hours=st.sampled_from(["0.5", "2.5", "6"]), intervention=st.booleans())
    def support(self, who: int, hours: str, intervention: bool) -> None:
        account = self.pick(self.accounts, who)
        if intervention:
            command: Any = RecordIntervention.from_request({"on": self.today.isoformat(), "hours": hours,
                                                            "description": "Export CSV"})
            self.attempt(lambda: self.c.accounts.record_intervention(account, command))
        else:
            command = RecordSupportHours.from_request({"on": self.today.isoformat(), "hours": hours, "note": "ticket"})
            self.attempt(lambda: self.c.accounts.record_support_hours(account, command))

    @rule(who=st.integers(0, 3), amount=st.sampled_from(["20.00", "150.00", "5000.00"]))
    def penalty_credit(self, who: int, amount: str) -> None:
        on = self.today.isoformat()
        command = GrantPenaltyCredit.from_request({"amount": amount, "reason": "incident", "incident_on": on,
                                                   "granted_on": on})
        self.attempt(lambda: self.c.accounts.grant_penalty_credit(self.pick(self.accounts, who), command))

    @rule(days=st.integers(1, 45))
    def time_passes(self, days: int) -> None:
        self.clock.set(self.clock.now() + timedelta(days=days))

    def _month_to_close(self) -> Month | None:
        self.strict_documents = False  # what this close issues is pending until rendered
        month = self.closed.next() if self.closed is not None else self.c.closing.first_billing_month()
        if month is None:
            return None
        issue_day = month.next().first_day + timedelta(days=1)
        if self.today < issue_day:
            self.clock.set(datetime.combine(issue_day, datetime.min.time(), PARIS).replace(hour=12))
        return month

    def _after_close(self, month: Month) -> None:
        if self.c.closing.month_state(str(month))["status"] == "closed":
            self.closed = month
            if self.render:
                self.c.documents.render_pending()  # as the API and the workers do after every close
                self.strict_documents = True
        self.next_day()

    @rule()
    def close_month(self) -> None:
        month = self._month_to_close()
        if month is None:
            return
        self.attempt(lambda: self.c.closing.request_close(CloseMonth.from_request(str(month), self.today.isoformat())))
        self._after_close(month)

    @rule()
    def close_fails_half_way_then_resumes(self) -> None:
        """A close job that dies after its first chunk is marked failed; closing again resumes it (§7)."""
        month = self._month_to_close()
        if month is None:
            return
        service = self.c.closing
        issue_chunk = service._issue_chunk
        chunks = {"n": 0}

        def failing(*args: Any) -> int:
            chunks["n"] += 1
            if chunks["n"] > 1:
                raise RuntimeError("document store unavailable")
            return issue_chunk(*args)

        chunk, closing_module.CHUNK = closing_module.CHUNK, 1
        service._issue_chunk = failing  # type: ignore[method-assign]
        try:
            self.attempt(lambda: service.request_close(CloseMonth.from_request(str(month), self.today.isoformat())))
        finally:
            closing_module.CHUNK = chunk
            del service._issue_chunk
        self.outputs_agree()  # the chunks issued before the failure agree with every output
        if service.month_state(str(month))["status"] == "failed":
            self.attempt(lambda: service.request_close(CloseMonth.from_request(str(month), None)))
        self._after_close(month)

    @rule(which=st.integers(0, 100), how=st.sampled_from(["full", "partial", "over"]), retried=st.booleans())
    def payment(self, which: int, how: str, retried: bool) -> None:
        """A transfer for an open invoice: what it owes, half of it, or 10.00 more; sometimes posted twice."""
        invoices = self.open_invoices()
        if not invoices:
            return
        invoice = self.pick(invoices, which)
        owed = Decimal(invoice["outstanding"])
        amount = {"full": owed, "partial": (owed / 2).quantize(Decimal("0.01"), ROUND_HALF_UP),
                  "over": owed + Decimal("10.00")}[how]
        if amount <= 0:
            return
        command = RecordPayment(invoice["number"], f"{amount:.2f}", self.today.isoformat(), "transfer", self.ref("VIR-"))
        self.attempt(lambda: self.c.payments.record(invoice["account"], command))
        if retried:  # the same reference again: a 409, never booked twice
            self.attempt(lambda: self.c.payments.record(invoice["account"], command))
        self.next_day()

    @rule(which=st.integers(0, 100), repeated=st.booleans(), two=st.booleans())
    def bank_statement(self, which: int, repeated: bool, two: bool) -> None:
        """A CSV statement line crediting what an open invoice owes (or, with ``two``, one transfer paying two
        open invoices of the account, both named); sometimes the same statement is imported twice."""
        invoices = self.open_invoices()
        if not invoices:
            return
        invoice = self.pick(invoices, which)
        paid = [invoice]
        if two:
            paid += [i for i in invoices if i["account"] == invoice["account"] and i["number"] != invoice["number"]][:1]
        amount = sum((Decimal(i["outstanding"]) for i in paid), Decimal(0))
        numbers = " ".join(i["number"] for i in paid)
        content = (f"date;amount;reference;label\n{self.today.isoformat()};{amount:.2f};"
                   f"{self.ref('BQ')};VIR SEPA {invoice['account'].upper()} {numbers}\n").encode()
        self.attempt(lambda: self.c.payments.import_statement(content, "text/csv"))
        if repeated:
            self.attempt(lambda: self.c.payments.import_statement(content, "text/csv"))
        self.next_day()

    @rule(which=st.integers(0, 100), back=st.integers(1, 20))
    def back_dated_payment(self, which: int, back: int) -> None:
        """A transfer recorded today but received days ago, before entries already exported: the FEC
        keeps every earlier entry's number and gives this one the next (§12, ``fec_entries_kept``)."""
        invoices = self.open_invoices()
        if not invoices:
            return
        invoice = self.pick(invoices, which)
        issued = date.fromisoformat(invoice["due_date"]) - timedelta(days=30)  # §8: due = issue + 30 days
        received = max(self.today - timedelta(days=back), issued)
        command = RecordPayment(invoice["number"], invoice["outstanding"], received.isoformat(), "transfer",
                                self.ref("VIR-"))
        self.attempt(lambda: self.c.payments.record(invoice["account"], command))
        self.next_day()

    @rule(ahead=st.integers(1, 40))
    def sepa_export(self, ahead: int) -> None:
        day = self.today + timedelta(days=ahead)
        while not is_target2_business_day(day):
            day += timedelta(days=1)
        self.attempt(lambda: self.c.exports.export_file(ExportSepa.from_request({"collection_date": day.isoformat()})))
        # The invariant judges a file by what its debits owed on the day it was written (a credit note or a
        # payment of that day counts as before it): the next operation happens the next day.
        self.next_day()

    @rule(which=st.integers(0, 100), reason=st.sampled_from(["AM04", "MD01"]))
    def direct_debit_return(self, which: int, reason: str) -> None:
        from sqlalchemy import select

        from billing.persistence import tables as t

        with self.c.engine.connect() as conn:
            debits = conn.execute(select(t.sepa_debits.c.invoice, t.sepa_debits.c.collection_date)
                                  .where(t.sepa_debits.c.returned_on.is_(None))).all()
        if not debits:
            return
        invoice, day = self.pick(sorted(debits), which)
        command = RecordDirectDebitReturn(invoice, day, self.today, reason, "CORE")
        self.attempt(lambda: self.c.exports.record_return(command))
        self.next_day()

    @rule(which=st.integers(0, 100), amount=st.sampled_from(["10.00", "100.00"]))
    def credit_note(self, which: int, amount: str) -> None:
        invoices = self.c.invoices.list()
        if not invoices:
            return
        number = self.pick(invoices, which)["number"]
        self.strict_documents = False
        self.attempt(lambda: self.c.credit_notes.issue(
            IssueCreditNote.from_request(number, {"amount_ht": amount, "reason": "geste commercial"})))
        if self.render:
            self.c.documents.render_pending()
            self.strict_documents = True
        self.next_day()

    @rule(which=st.integers(0, 100))
    def dispute_mail(self, which: int) -> None:
        """The customer contests an invoice by mail (§8), from its billing address."""
        invoices = self.c.invoices.list()
        if not invoices:
            return
        invoice = self.pick(invoices, which)
        now = format_datetime(self.clock.now())
        raw = (f"Received: from mx.flexio.fr by imap.flexio.fr with LMTP; {now}\r\n"
               f"From: <factures@{invoice['account']}.fr>\r\nTo: compta@flexio.fr\r\n"
               f"Subject: Contestation facture {invoice['number']}\r\nDate: {now}\r\n"
               f"Message-ID: <{uuid.uuid4().hex}@{invoice['account']}.fr>\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
               f"Bonjour,\r\nNous contestons la facture {invoice['number']}.\r\nCordialement\r\n").encode()
        self.attempt(lambda: self.c.cases.record_email(raw))

    @rule(who=st.integers(0, 3))
    def late_payment_invoice(self, who: int) -> None:
        account = self.pick(self.accounts, who)
        self.strict_documents = False
        self.attempt(lambda: self.c.receivables.issue_late_payment_invoice(
            IssueLatePaymentInvoice.from_request(account, {"on": self.today.isoformat()})))
        if self.render:
            self.c.documents.render_pending()
            self.strict_documents = True
        self.next_day()

    @rule(who=st.integers(0, 3), end_of_month=st.booleans())
    def termination(self, who: int, end_of_month: bool) -> None:
        requested = Month(self.today.year, self.today.month).last_day if end_of_month else self.today + timedelta(60)
        command = NotifyTermination.from_request({"notified_on": self.today.isoformat(), "channel": "email",
                                                  "requested_end": requested.isoformat()})
        self.attempt(lambda: self.c.accounts.notify_termination(self.pick(self.accounts, who), command))

    # -- after every step -----------------------------------------------------------------------

    @invariant()
    def outputs_agree(self) -> None:
        result = self.c.audit.run(pending_documents=not self.strict_documents)
        assert result.ok, describe(result)


def run_model(make_settings: Callable[[], Settings]) -> None:
    LedgerModel.make_settings = staticmethod(make_settings)  # type: ignore[assignment]
    options: dict[str, Any] = {
        "max_examples": EXAMPLES, "stateful_step_count": STEPS, "deadline": None,
        "suppress_health_check": list(HealthCheck), "phases": [Phase.explicit, Phase.reuse, Phase.generate,
                                                                Phase.target, Phase.shrink, Phase.explain],
    }
    if SOAK_MINUTES:
        ends = time.monotonic() + SOAK_MINUTES * 60
        while time.monotonic() < ends:
            run_state_machine_as_test(LedgerModel, settings=settings(**{**options, "max_examples": 10,
                                                                         "database": None}))
        return
    run_state_machine_as_test(LedgerModel, settings=settings(**options))


def test_every_output_agrees_after_every_step_of_random_billing(
    backend: str, tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    if backend == "postgres":
        from conftest import reset_pg_schema

        url = request.getfixturevalue("pg_url")

        def make_settings() -> Settings:
            reset_pg_schema(url)
            return Settings(database_url=url, admin_token="t", storage_dir=tmp_path / uuid.uuid4().hex, **CREDITOR)
    else:
        def make_settings() -> Settings:
            run = tmp_path / uuid.uuid4().hex
            return Settings(database_url=f"sqlite:///{run}/billing.db", admin_token="t", storage_dir=run / "docs",
                            **CREDITOR)

    run_model(make_settings)
