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
from exports.bank_statement import StatementEntry, match_entries, parse_camt053, parse_csv, split_payment
from invoices.payment_status import payment_status
from ledger.account import CustomerAccount
from ledger.clock import Clock, today
from ledger.errors import InvalidInput, NotFound
from ledger.identifiers import validate_account_id
from ledger.input_checks import require_date, require_money
from ledger.money import Money

STATEMENT_PREFIX = "bank:"  # payments from a statement carry the bank's entry id: importing twice adds nothing


class PaymentQueries(Protocol):
    """The read-model queries of money received (``billing/persistence/queries/payments.py``)."""

    def invoice(self, number: str) -> Any | None:
        """The invoice's ``number``, ``account``, ``total_ttc``, ``due_date`` and ``credited`` (negative)."""

    def unapplied_credits(self) -> list[Any]: ...

    def statement_rows(self, prefix: str) -> tuple[set[str], dict[str, tuple[str, Decimal]], set[str]]:
        """References already recorded from statements, open invoices as {number: (account, owed)},
        and the invoices in a SEPA file."""


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
        def allocate(customer: CustomerAccount) -> dict[str, Any]:
            owed = Decimal(invoice.total_ttc) + Decimal(invoice.credited) - customer.paid_on_invoice(invoice.number).amount
            applied, unapplied = split_payment(amount, owed)
            if applied > 0:
                customer.record_payment(invoice.number, Money.of(applied), received_on, method, reference)
            if unapplied > 0:
                customer.record_unapplied_credit(invoice.number, Money.of(unapplied), received_on, method, reference)
            paid = customer.paid_on_invoice(invoice.number).amount
            total = Decimal(invoice.total_ttc) + Decimal(invoice.credited)
            return {
                "applied": f"{applied:.2f}",
                "unapplied": f"{unapplied:.2f}",
                "outstanding": f"{max(total - paid, Decimal(0)):.2f}",
                "payment_status": payment_status(paid, total, invoice.due_date, today(self.clock)),
            }

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
        """Record the credits of a bank statement that match invoices; list the others for finance."""
        if not content:
            raise InvalidInput("the statement is empty", field="statement")
        kind = content_type.split(";")[0].strip().lower()
        if kind in ("application/xml", "text/xml"):
            entries = parse_camt053(content)
        elif kind in ("text/csv", "application/csv"):
            entries = parse_csv(content)
        else:
            raise InvalidInput("send a camt.053 statement as application/xml or a CSV as text/csv",
                               field="content-type")
        self.read_models.sync()
        seen, outstanding, in_sepa_files = self.queries.statement_rows(STATEMENT_PREFIX)
        fresh = [e for e in entries if STATEMENT_PREFIX + e.reference not in seen]
        matches, unmatched = match_entries(fresh, {n: owed for n, (_a, owed) in outstanding.items()})
        recorded = []
        for match in matches:
            account = outstanding[match.invoice][0]
            method = "sepa_debit" if match.invoice in in_sepa_files else "transfer"
            self._allocate(account, self._invoice(match.invoice), match.amount, match.entry.booked_on, method,
                           STATEMENT_PREFIX + match.entry.reference)
            recorded.append({"reference": match.entry.reference, "invoice": match.invoice, "account": account,
                             "amount": f"{match.amount:.2f}", "booked_on": match.entry.booked_on.isoformat()})
        return {
            "entries": len(entries),
            "duplicates": len(entries) - len(fresh),
            "matched": recorded,
            "unmatched": [_entry(u.entry) | {"reason": u.reason} for u in unmatched],
        }


def _entry(entry: StatementEntry) -> dict[str, Any]:
    return {"reference": entry.reference, "booked_on": entry.booked_on.isoformat(),
            "amount": f"{entry.amount:.2f}", "text": entry.text}
