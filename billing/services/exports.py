"""Exports for finance and the bank: SEPA direct-debit files, the workbook, the FEC (API.md "Exports").

The selection rules and the writer are pure (exports/sepa.py); this service reads the rows, records
each file in the ledger with its SHA-256 and keeps its bytes under ``BILLING_STORAGE_DIR/sepa``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from billing.commands.exports import ExportSepa, FecYear, RecordDirectDebitReturn, WorkbookPeriod
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate, get_aggregate
from billing.services.ports import ReadModels
from billing.settings import Settings
from exports.accounting_sheets import DocumentRow, LineRow, OpenItem, PaymentRow
from exports.fec import FecEntry
from exports.sepa import (
    DebitCandidate,
    Held,
    check_creditor,
    check_request,
    message_id,
    parse_one_line_address,
    select_debits,
    write_pain008,
)
from ledger.account import CustomerAccount
from ledger.clock import Clock, today
from ledger.direct_debit import DirectDebitFile, DirectDebitRegister
from ledger.errors import Conflict, NotFound
from ledger.money import Money

ATTEMPTS = 10


@dataclass(frozen=True)
class SepaFile:
    """A file as returned to finance: its bytes and what was left out of it (only when new)."""

    name: str
    content: bytes
    debits: int
    total: Decimal
    held: tuple[Held, ...] = ()


class DirectDebitQueries(Protocol):
    """The rows SEPA files are selected from (``billing/persistence/queries/direct_debit.py``)."""

    def sepa_file(self, collection_date: date, scheme: str) -> Any | None:
        """The recorded file of a date and scheme (``version``, ``message_id``, ``sha256``, ``debits``, ``total``)."""

    def selection_rows(self, due_by: date) -> tuple[list[DebitCandidate], set[str], set[str]]:
        """The debit candidates due by the date, the invoices already in a file, the mandates already collected."""


class SepaExportService:
    def __init__(
        self, settings: Settings, ledger: Ledger, queries: DirectDebitQueries, read_models: ReadModels, clock: Clock
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.clock = clock

    @property
    def directory(self) -> Path:
        return Path(self.settings.storage_dir) / "sepa"

    def export_file(self, command: ExportSepa) -> SepaFile:
        """The file for a collection date: the stored one when it exists, else a new one (API.md)."""
        day, scheme, version = command.collection_date, command.scheme, command.version
        self.read_models.sync()
        existing = self.queries.sepa_file(day, scheme)
        if existing is not None:
            return self._stored(existing, version)
        check_request(day, scheme, version, today(self.clock))
        creditor = check_creditor(
            self.settings.seller_name,
            self.settings.sepa_creditor_id,
            self.settings.sepa_creditor_iban,
            self.settings.sepa_creditor_bic,
            parse_one_line_address(self.settings.seller_address),
        )
        for _attempt in range(ATTEMPTS):
            register = find_aggregate(self.ledger, DirectDebitRegister.create_id()) or DirectDebitRegister()
            self.read_models.sync()  # every file the register has seen is now in the read model
            existing = self.queries.sepa_file(day, scheme)
            if existing is not None:  # written by a concurrent request meanwhile
                return self._stored(existing, version)
            candidates, filed, mandates = self.queries.selection_rows(day)
            selection = select_debits(candidates, day, filed, mandates)
            if not selection.debits:
                raise Conflict(
                    f"nothing to collect on {day.isoformat()}",
                    details={"held": [{"invoice": h.invoice, "reason": h.reason} for h in selection.held]},
                )
            created_at = self.clock.now()
            content = write_pain008(creditor, selection.debits, day, scheme, version, created_at)
            digest = hashlib.sha256(content).hexdigest()
            name = _file_name(message_id(day, scheme), digest)
            self._store(name, content)  # named by its hash: a concurrent attempt never overwrites it
            debits = [
                {
                    "invoice": d.invoice,
                    "account": d.account,
                    "amount": f"{d.amount:.2f}",
                    "sequence_type": d.sequence_type,
                    "mandate": d.mandate_reference,
                }
                for d, _row in selection.debits
            ]
            file = DirectDebitFile.record(
                day, scheme, version, message_id(day, scheme), digest, created_at.isoformat(), debits
            )
            register.note_file(day, scheme)
            try:
                self.ledger.save(register, file)
            except IntegrityError:
                continue  # another file was recorded meanwhile: select again
            self.read_models.refresh()
            total = sum((d.amount for d, _ in selection.debits), Decimal(0))
            return SepaFile(name, content, len(debits), total, selection.held)
        raise Conflict("direct-debit files are being written by another request; retry")

    def record_return(self, command: RecordDirectDebitReturn) -> dict[str, Any]:
        """An R-transaction from the bank on one debit (reject before or return after settlement)."""
        invoice, day, scheme = command.invoice, command.collection_date, command.scheme
        returned_on, reason = command.returned_on, command.reason
        for _attempt in range(ATTEMPTS):
            file = find_aggregate(self.ledger, DirectDebitFile.create_id(day, scheme))
            if file is None:
                raise NotFound(f"no direct-debit file of {day.isoformat()} ({scheme})", field="collection_date")
            file.record_return(invoice, reason, returned_on)
            debit = next(d for d in file.debits if d["invoice"] == invoice)
            account = get_aggregate(self.ledger, CustomerAccount.create_id(debit["account"]), "account")
            # The money paid back leaves the invoice: what a statement recorded for this debit is reversed.
            received = account.paid_on_invoice(invoice)
            back = min(received, Money.of(debit["amount"]))
            if back.is_positive():
                account.reverse_payment(invoice, back, returned_on, reason, recorded_on=today(self.clock))
            try:
                self.ledger.save(file, account)  # the return and the reversal: both or neither
            except IntegrityError:
                continue
            self.read_models.refresh()
            break
        else:
            raise Conflict("the file or the account is being changed by another request; retry")
        return {"invoice": invoice, "collection_date": day.isoformat(), "reason": reason,
                "returned_on": returned_on.isoformat()}

    def _stored(self, row: Any, version: str) -> SepaFile:
        if row.version != version:
            raise Conflict(
                f"the file of {row.collection_date.isoformat()} was written as {row.version}",
                field="version",
            )
        path = self.directory / _file_name(row.message_id, row.sha256)
        content = path.read_bytes() if path.exists() else b""
        if hashlib.sha256(content).hexdigest() != row.sha256:
            raise Conflict(
                f"the stored file {path.name} is missing or does not match the hash recorded in the ledger",
                details={"sha256": row.sha256},
            )
        return SepaFile(path.name, content, row.debits, Decimal(row.total))

    def _store(self, name: str, content: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / (name + ".part")
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.directory / name)




def _file_name(message: str, digest: str) -> str:
    return f"{message}-{digest[:16]}.xml"


class WorkbookRows(Protocol):
    """One workbook's rows (``billing/persistence/queries/workbook.py``)."""

    @property
    def documents(self) -> list[DocumentRow]: ...
    @property
    def lines(self) -> Iterator[LineRow]: ...
    @property
    def payments(self) -> list[PaymentRow]: ...
    @property
    def open_items(self) -> list[OpenItem]: ...
    @property
    def line_count(self) -> int: ...


class WorkbookQueries(Protocol):
    def rows(self, start: date, end: date, aged_on: date) -> AbstractContextManager[WorkbookRows]:
        """The rows of the invoices and credit notes issued from ``start`` to ``end``, open items on ``aged_on``."""


class WorkbookExportService:
    """The accountants' workbook for a range of issue months (API.md "Exports")."""

    def __init__(self, queries: WorkbookQueries, read_models: ReadModels, clock: Clock) -> None:
        self.queries = queries
        self.read_models = read_models
        self.clock = clock

    def write(self, period: WorkbookPeriod, out: Any, progress: Any = None) -> str:
        """Write the .xlsx to ``out``; returns its file name.

        The aged balance is dated on the period's last day, or today when that day is still to come:
        a balance dated in the future would age invoices by days that have not passed (issue 19.7).
        """
        from billing.documents.accounting_workbook import write_workbook
        from exports.accounting_sheets import build_sheets

        start, end = period.start, period.end
        aged_on = min(end, today(self.clock))
        self.read_models.sync()
        with self.queries.rows(start, end, aged_on) as rows:  # the lines stream while the rows are open
            sheets = build_sheets(rows.documents, rows.lines, rows.payments, rows.open_items, aged_on, rows.line_count)
            write_workbook(sheets, out, progress)
        return f"factures-{start:%Y-%m}-{end:%Y-%m}.xlsx"


class FecQueries(Protocol):
    def year_entries(self, year: int) -> list[FecEntry]:
        """The entries posted in the fiscal year, by entry number (``billing/persistence/queries/fec.py``)."""


class FecExportService:
    """The FEC of a calendar year (API.md "Exports", LPF art. A47 A-1)."""

    def __init__(self, settings: Settings, queries: FecQueries, read_models: ReadModels) -> None:
        self.settings = settings
        self.queries = queries
        self.read_models = read_models

    def export(self, fec_year: FecYear) -> tuple[str, bytes]:
        """The FEC's legal file name ({SIREN}FEC{YYYY}1231.txt) and its ISO-8859-15 bytes."""
        from exports.fec import entry_lines, fec_file_name, write_fec

        self.read_models.sync()  # every fact stored so far is posted
        # §12: the entries as they were posted (numbers, lines, ValidDate), then the new ones.
        entries = self.queries.year_entries(fec_year.year)
        return fec_file_name(self.settings.seller_siren, fec_year.year), write_fec(entry_lines(entries))
