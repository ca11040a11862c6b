"""The audit (issue 18): gather a snapshot of the real outputs and check the invariants over it.

The snapshot is read from what finance and the bank actually receive: the FEC text and the workbook as
exported (parsed back: the FEC by its columns, the workbook with openpyxl), the SEPA files as stored
(parsed back from their XML, their hash checked), the receivables as answered, the documents as stored
(their bytes hashed again). The invariants are pure (``invoices/invariants.py``). Each FEC the audit
exports is kept under ``BILLING_STORAGE_DIR/audit`` so the next audit can check that exported entries
kept their numbers and lines. Finance runs it after each close (``billing audit``,
``GET /v1/admin/audit``).
"""

from __future__ import annotations

import hashlib
import io
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from xml.etree import ElementTree as ET

from billing.commands.exports import FecYear, WorkbookPeriod
from billing.commands.receivables import ReceivablesOn
from billing.services.exports import FecExportService, WorkbookExportService
from billing.services.ports import ReadModels
from billing.services.receivables import ReceivableService
from billing.settings import Settings
from invoices.invariants import (
    AuditResult,
    Dispute,
    FecLine,
    IssuedDocument,
    PenaltyGrant,
    Receipt,
    SepaDebit,
    ServicePeriod,
    Snapshot,
    StoredDocument,
    WorkbookPayment,
    check,
)
from ledger.clock import Clock, today


class AuditQueries(Protocol):
    """The read-model rows of the snapshot (``billing/persistence/queries/audit.py``)."""

    def documents(self) -> list[IssuedDocument]: ...
    def closed_months(self) -> list[str]: ...
    def months_being_closed(self) -> list[str]: ...
    def service_periods(self) -> list[ServicePeriod]: ...
    def receipts(self) -> list[Receipt]: ...
    def penalty_grants(self) -> list[PenaltyGrant]: ...
    def disputes(self) -> list[Dispute]: ...

    def stored_documents(self) -> list[tuple[str, str | None, str | None, tuple[str, ...]]]:
        """(number, sha256 recorded, path, the reasons of a rejection) of every rendered document."""

    def sepa_files(self) -> list[tuple[date, str, str, str]]:
        """(collection date, message id, sha256, created at) of every SEPA file recorded."""

    def tables_differing_from_rebuild(self) -> list[str] | None:
        """The read-model tables that differ from a rebuild from the ledger (None: the ledger moved meanwhile)."""


class AuditService:
    def __init__(
        self,
        settings: Settings,
        queries: AuditQueries,
        read_models: ReadModels,
        fec: FecExportService,
        workbook: WorkbookExportService,
        receivables: ReceivableService,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.queries = queries
        self.read_models = read_models
        self.fec = fec
        self.workbook = workbook
        self.receivables = receivables
        self.clock = clock

    @property
    def directory(self) -> Path:
        return Path(self.settings.storage_dir) / "audit"

    def run(self, *, rebuild: bool = True, skip: tuple[str, ...] = (), keep_fec: bool = True,
            pending_documents: bool = True) -> AuditResult:
        """Gather the snapshot, check every invariant, then keep this FEC for the next audit.

        ``pending_documents``: a document the render job has not reached yet is not a difference."""
        snapshot, fec_texts = self.snapshot(rebuild=rebuild, pending_documents=pending_documents)
        result = check(snapshot, skip)
        if keep_fec:
            for year, content in fec_texts.items():
                self._keep(year, content)
        return result

    def snapshot(self, *, rebuild: bool = True, pending_documents: bool = True) -> tuple[Snapshot, dict[int, bytes]]:
        self.read_models.sync()
        on = today(self.clock)
        documents = self.queries.documents()
        receipts = self.queries.receipts()
        days = [d.issue_date for d in documents] + [r.received_on for r in receipts]
        first = min(days, default=on)
        last = max([on, *days])
        fec_texts: dict[int, bytes] = {}
        fec: dict[int, tuple[FecLine, ...]] = {}
        previous: dict[int, tuple[FecLine, ...]] = {}
        for year in range(first.year, last.year + 1):
            _name, content = self.fec.export(FecYear(year))
            fec_texts[year] = content
            fec[year] = parse_fec(content)
            kept = self.directory / f"fec-{year}.txt"
            if kept.exists():
                previous[year] = parse_fec(kept.read_bytes())
        buffer = io.BytesIO()
        self.workbook.write(WorkbookPeriod(date(first.year, first.month, 1), _month_end(last)), buffer)
        workbook_payments, workbook_balances = parse_workbook(buffer.getvalue())
        # The workbook dates its aged balance on the period's end, or today when that is still to come
        # (issue 19.7): receivables are asked on that same day, so both count the same payments.
        aged_on = min(_month_end(last), on)
        answered = self.receivables.receivables(ReceivablesOn.from_request(aged_on.isoformat()))
        outstanding: dict[str, Decimal] = {}
        for item in answered["invoices"]:
            outstanding[item["account"]] = outstanding.get(item["account"], Decimal(0)) + Decimal(item["outstanding"])
        differing = self.queries.tables_differing_from_rebuild() if rebuild else None
        snapshot = Snapshot(
            on=aged_on,
            documents=tuple(documents),
            closed_months=tuple(self.queries.closed_months()),
            months_being_closed=tuple(self.queries.months_being_closed()),
            service_periods=tuple(self.queries.service_periods()),
            receipts=tuple(receipts),
            receivables=outstanding,
            fec=fec,
            previous_fec=previous,
            workbook_payments=tuple(workbook_payments),
            workbook_balances=workbook_balances,
            sepa_debits=tuple(self._sepa_debits()),
            stored_documents=tuple(self._stored_documents()),
            disputes=tuple(self.queries.disputes()),
            penalty_grants=tuple(self.queries.penalty_grants()),
            read_model_differences=tuple(differing or ()),
            rebuild_checked=differing is not None,
            pending_documents_allowed=pending_documents,
        )
        return snapshot, fec_texts

    def _stored_documents(self) -> list[StoredDocument]:
        out = []
        for number, sha256, path, reasons in self.queries.stored_documents():
            found = None
            if sha256 is not None and path:
                file = Path(path)
                if not file.is_absolute():
                    file = Path(self.settings.storage_dir) / file
                found = hashlib.sha256(file.read_bytes()).hexdigest() if file.exists() else None
            out.append(StoredDocument(number, sha256, found, reasons))
        return out

    def _sepa_debits(self) -> list[SepaDebit]:
        out: list[SepaDebit] = []
        directory = Path(self.settings.storage_dir) / "sepa"
        for _day, message, sha256, created_at in self.queries.sepa_files():
            name = f"{message}-{sha256[:16]}.xml"
            path = directory / name
            content = path.read_bytes() if path.exists() else b""
            if hashlib.sha256(content).hexdigest() != sha256:
                out.append(SepaDebit(name, date.min, date.min, "(file missing or altered)", "", Decimal(0)))
                continue
            out.extend(parse_pain008(name, content, datetime.fromisoformat(created_at).date()))
        return out

    def _keep(self, year: int, content: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / f"fec-{year}.txt.part"
        temporary.write_bytes(content)
        os.replace(temporary, self.directory / f"fec-{year}.txt")


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ".")) if text else Decimal("0.00")


def parse_fec(content: bytes) -> tuple[FecLine, ...]:
    """An FEC file's lines, read back by its 18 columns (LPF art. A47 A-1), whatever wrote it."""
    rows = content.decode("iso-8859-15").splitlines()
    lines = []
    for row in rows[1:]:
        if not row:
            continue
        c = row.split("\t") if "\t" in row else row.split("|")
        lines.append(FecLine(c[0], int(c[2]), _day(c[3]), c[4], c[6], c[8], c[10], _amount(c[11]), _amount(c[12]),
                             _day(c[15]) if c[15] else _day(c[3])))
    return tuple(lines)


def parse_workbook(content: bytes) -> tuple[list[WorkbookPayment], dict[str, Decimal]]:
    """The payment sheet's rows and the aged balance's totals per account, read back with openpyxl."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    payments: list[WorkbookPayment] = []
    balances: dict[str, Decimal] = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            continue
        header = [str(h) if h is not None else "" for h in rows[0]]
        body = [r for r in rows[1:] if r and r[0] not in (None, "Total")]
        if sheet.title == "Paiements":
            col = {name: header.index(name) for name in ("Compte", "Facture", "Montant", "Référence")}
            payments += [WorkbookPayment(str(r[col["Compte"]]), r[col["Facture"]], _cents(r[col["Montant"]]),
                                         str(r[col["Référence"]] or "")) for r in body]
        elif sheet.title.startswith("Balance"):
            total = header.index("Total dû")
            for r in body:
                balances[str(r[0])] = balances.get(str(r[0]), Decimal(0)) + _cents(r[total])
    book.close()
    return payments, balances


def _cents(value: Any) -> Decimal:
    """An amount cell (openpyxl gives a float or an int): back to the cents it was written from."""
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


PAIN = "{urn:iso:std:iso:20022:tech:xsd:%s}"


def parse_pain008(name: str, content: bytes, created_on: date) -> list[SepaDebit]:
    """The debits of a stored pain.008 file, read back from its XML (any pain.008 version)."""
    root = ET.fromstring(content)
    namespace = root.tag.split("}")[0] + "}" if root.tag.startswith("{") else ""
    out = []
    for info in root.iter(f"{namespace}PmtInf"):
        day_node = info.find(f"{namespace}ReqdColltnDt")
        collected = date.fromisoformat((day_node.text or "") if day_node is not None else "0001-01-01")
        for tx in info.iter(f"{namespace}DrctDbtTxInf"):
            end_to_end = tx.find(f"{namespace}PmtId/{namespace}EndToEndId")
            amount = tx.find(f"{namespace}InstdAmt")
            out.append(SepaDebit(name, created_on, collected, (end_to_end.text or "") if end_to_end is not None else "",
                                 "", Decimal((amount.text or "0") if amount is not None else "0")))
    return out
