"""Money received: payments allocated to invoices, unapplied credit, bank statements (issue 12).

A payment settles at most what its invoice still owes (TTC, minus credit notes, minus what was
already paid); the rest is kept as the customer's unapplied credit and said so in the answer. The
paid part and the unapplied part are two events of one save on the account: both or neither.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from billing.commands.payments import RecordPayment
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import run_command
from billing.services.ports import ReadModels
from exports.bank_statement import Match, StatementEntry, Unmatched, match_entries, parse_camt053, parse_csv
from invoices.payment_status import payment_status
from ledger.account import CustomerAccount
from ledger.account_records import PaymentMethod
from ledger.clock import Clock, today
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.identifiers import validate_account_id
from ledger.input_checks import require_date, require_money
from ledger.money import Money


class PaymentQueries(Protocol):
    """The read-model queries of money received (``billing/persistence/queries/payments.py``)."""

    def invoice(self, number: str) -> Any | None:
        """The invoice's ``number``, ``account``, ``total_ttc``, ``due_date`` and ``credited`` (negative)."""

    def unapplied_credits(self) -> list[Any]: ...

    def statement_rows(self) -> tuple[set[str], dict[str, tuple[str, Decimal]], set[str]]:
        """The references of all money recorded (payments and unapplied credit, by hand or from a
        statement), open invoices as {number: (account, owed)}, and the invoices in a SEPA file."""


class PaymentService:
    def __init__(self, ledger: Ledger, queries: PaymentQueries, read_models: ReadModels, clock: Clock) -> None:
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.clock = clock

    def _invoice(self, number: Any) -> Any:
        if not isinstance(number, str):
            raise InvalidInput("invoice must be an invoice number", field="invoice")
        row = self.queries.invoice(number)
        if row is None:
            raise NotFound(f"invoice {number!r} not found", field="invoice")
        return row

    def record(self, account: str, command: RecordPayment) -> dict[str, Any]:
        """API.md "POST /v1/admin/customers/{account}/payments", with the allocation in the answer.

        Checked in the order the API always answered: account, invoice (404), its owner, amount, day.
        """
        code = validate_account_id(account)
        invoice = self._invoice(command.invoice)
        if invoice.account != code:
            raise InvalidInput(f"invoice {invoice.number!r} is not an invoice of account {code!r}", field="invoice")
        amount = require_money(command.amount, "amount", positive=True)
        received_on = require_date(command.received_on, "received_on")
        result = self._allocate(code, invoice, amount.amount, received_on, command.method, command.reference)
        return {
            "account": code,
            "invoice": invoice.number,
            "amount": str(amount),
            "received_on": received_on.isoformat(),
            "method": command.method,
            "reference": command.reference,
            **result,
        }

    def _allocate(self, account: str, invoice: Any, amount: Decimal, received_on: Any, method: Any,
                  reference: Any) -> dict[str, Any]:
        return self._receive(account, [(invoice, amount)], received_on, method, reference)[0]

    def _receive(self, account: str, parts: list[tuple[Any, Decimal]], received_on: Any, method: Any,
                 reference: Any) -> list[dict[str, Any]]:
        """One transfer paying ``parts`` (invoice row, amount) of one account, in one save."""
        def allocate(customer: CustomerAccount) -> list[dict[str, Any]]:
            def total(invoice: Any) -> Decimal:
                return Decimal(invoice.total_ttc) + Decimal(invoice.credited)

            # One aggregate command for every part: the bank reference is checked once against the
            # payments AND the unapplied credits (issue 18: a paid invoice took the same one thrice).
            split = customer.receive_payment(
                [(invoice.number, Money.of(amount),
                  Money.of(total(invoice) - customer.paid_on_invoice(invoice.number).amount))
                 for invoice, amount in parts],
                received_on, method, reference, recorded_on=today(self.clock))  # the FEC's ValidDate (§12)
            answers = []
            for (invoice, _amount), (applied, unapplied) in zip(parts, split, strict=True):
                paid = customer.paid_on_invoice(invoice.number).amount
                answers.append({
                    "applied": f"{applied.amount:.2f}",
                    "unapplied": f"{unapplied.amount:.2f}",
                    "outstanding": f"{max(total(invoice) - paid, Decimal(0)):.2f}",
                    "payment_status": payment_status(paid, total(invoice), invoice.due_date, today(self.clock)),
                })
            return answers

        return run_command(
            self.ledger, CustomerAccount.create_id(account), allocate, what=f"account {account!r}",
            after_save=self.read_models.refresh,
        )

    def unapplied_credits(self) -> list[dict[str, Any]]:
        rows = self.queries.unapplied_credits()
        return [
            {"account": r.account, "invoice": r.invoice, "amount": f"{Decimal(r.amount):.2f}",
             "received_on": r.received_on.isoformat(), "method": r.method, "reference": r.reference}
            for r in rows
        ]

    def import_statement(self, content: bytes, content_type: str) -> dict[str, Any]:
        """Record the credits of a bank statement that match invoices; list the others for finance.

        The whole file is read (and refused with a 422 naming the place if it cannot be) before
        anything is recorded; then each matched transfer is one save of its account.
        """
        if not content:
            raise InvalidInput("the statement is empty", field="statement")
        kind = content_type.split(";")[0].strip().lower()
        if kind in ("application/xml", "text/xml"):
            statement = parse_camt053(content)
        elif kind in ("text/csv", "application/csv"):
            statement = parse_csv(content)
        else:
            raise InvalidInput("send a camt.053 statement as application/xml or a CSV as text/csv",
                               field="content-type")
        entries = statement.entries
        self.read_models.sync()
        seen, outstanding, in_sepa_files = self.queries.statement_rows()
        # A bank reference counts once (issue 18): a line whose entry id is already recorded, by an
        # earlier import, by hand (finance typed the bank's id) or earlier in this same file, is listed
        # as a duplicate and not booked again. The bank's entry id is recorded as it is, so a payment
        # typed by hand with it afterwards is the 409 of the README.
        fresh: list[StatementEntry] = []
        duplicates: list[StatementEntry] = []
        for entry in entries:
            (duplicates if entry.reference in seen else fresh).append(entry)
            seen.add(entry.reference)
        matches, unmatched = match_entries(fresh, {n: owed for n, (_a, owed) in outstanding.items()})
        by_transfer: dict[tuple[StatementEntry, str], list[Match]] = {}
        for match in matches:  # one transfer may pay several invoices, of one account or more
            by_transfer.setdefault((match.entry, outstanding[match.invoice][0]), []).append(match)
        recorded: list[dict[str, Any]] = []
        for (entry, account), paid in by_transfer.items():
            method = PaymentMethod.SEPA_DEBIT if any(m.invoice in in_sepa_files for m in paid) else PaymentMethod.TRANSFER
            try:
                self._receive(account, [(self._invoice(m.invoice), m.amount) for m in paid], entry.booked_on,
                              method, entry.reference)
            except Conflict:  # recorded meanwhile by another request: the same transfer, not booked twice
                duplicates.append(entry)
                continue
            except InvalidInput as exc:  # e.g. booked before the account's service start: said in file terms
                unmatched.append(Unmatched(entry, _in_file_terms(entry, account, exc)))
                continue
            recorded.extend({"reference": entry.reference, "invoice": m.invoice, "account": account,
                             "amount": f"{m.amount:.2f}", "booked_on": entry.booked_on.isoformat(),
                             "where": entry.where} for m in paid)
        return {
            "format": statement.format,
            "entries": len(entries),
            "duplicates": len(duplicates),
            "already_recorded": [_entry(d) for d in duplicates],
            "matched": recorded,
            "unmatched": [_entry(u.entry) | {"reason": u.reason} for u in unmatched],
            "skipped": [{"where": s.where, "reference": s.reference, "amount": s.amount, "reason": s.reason}
                        for s in statement.skipped],
        }


def _in_file_terms(entry: StatementEntry, account: str, exc: InvalidInput) -> str:
    """Why a matched entry could not be booked, naming the entry and its field as the file does."""
    if exc.field == "received_on":
        return (f"{entry.where}: {entry.date_field} {entry.booked_on.isoformat()} is before the service start"
                f" of account {account}")
    return f"{entry.where}: {exc.message}"


def _entry(entry: StatementEntry) -> dict[str, Any]:
    return {"reference": entry.reference, "booked_on": entry.booked_on.isoformat(),
            "amount": f"{entry.amount:.2f}", "text": entry.text, "where": entry.where}
