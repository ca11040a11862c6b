"""Bank statements of money received (CAMT.053 or CSV) and their matching to invoices.

Pure: bytes in, typed entries out; entries and open invoices in, matches and what finance must look
at out. An entry is matched when its remittance text or end-to-end id names open invoices and its
amount is exactly what they still owe (by number AND amount); everything else is listed, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ledger.errors import InvalidInput

_INVOICE_NUMBER = re.compile(r"\b[A-Z]{2,5}-\d{4}-\d{3,}\b")


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One credit on FLEXIO's account: what the bank says was received."""

    reference: str  # the bank's own id of the entry (AcctSvcrRef), the idempotency key of the import
    booked_on: date
    amount: Decimal
    text: str  # remittance information, end-to-end id and debtor name, for matching


@dataclass(frozen=True, slots=True)
class Match:
    entry: StatementEntry
    invoice: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Unmatched:
    entry: StatementEntry
    reason: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node: ET.Element, *path: str) -> ET.Element | None:
    current: ET.Element | None = node
    for name in path:
        if current is None:
            return None
        current = next((child for child in current if _local(child.tag) == name), None)
    return current


def _text(node: ET.Element, *path: str) -> str:
    found = _find(node, *path)
    return (found.text or "").strip() if found is not None else ""


def parse_camt053(content: bytes) -> list[StatementEntry]:
    """The credit entries (CdtDbtInd CRDT, status booked) of a camt.053 statement, any version."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise InvalidInput(f"the statement is not well-formed XML: {exc}", field="statement") from None
    statement = _find(root, "BkToCstmrStmt")
    if statement is None:
        raise InvalidInput("not a camt.053 statement: no BkToCstmrStmt", field="statement")
    entries: list[StatementEntry] = []
    for stmt in (c for c in statement if _local(c.tag) == "Stmt"):
        for entry in (c for c in stmt if _local(c.tag) == "Ntry"):
            if _text(entry, "CdtDbtInd") != "CRDT":
                continue
            status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
            if status and status != "BOOK":
                continue
            amount_node = _find(entry, "Amt")
            if amount_node is None or amount_node.get("Ccy", "EUR") != "EUR":
                raise InvalidInput("a statement entry is not in EUR", field="statement")
            texts = [node.text.strip() for node in entry.iter() if _local(node.tag) in
                     {"Ustrd", "EndToEndId", "AddtlNtryInf", "Nm", "Ref"} and node.text]
            booked = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10]
            reference = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
            if not reference:
                raise InvalidInput("a statement entry has no AcctSvcrRef or NtryRef", field="statement")
            entries.append(StatementEntry(reference, _date(booked), _amount(amount_node.text or ""), " ".join(texts)))
    return entries


def parse_csv(content: bytes) -> list[StatementEntry]:
    """A CSV export with columns ``date``, ``amount``, ``reference``, ``label`` (``;`` or ``,``;
    decimal comma accepted, as French banks write it). Negative amounts (debits) are skipped."""
    text = content.decode("utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
    except (csv.Error, IndexError):
        raise InvalidInput("the CSV statement has no header line", field="statement") from None
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    required = {"date", "amount", "reference", "label"}
    if not required <= set(reader.fieldnames or []):
        raise InvalidInput(f"the CSV statement needs the columns {', '.join(sorted(required))}", field="statement")
    entries = []
    for line, row in enumerate(reader, start=2):
        amount = _amount(row["amount"], line)
        if amount <= 0:
            continue
        entries.append(StatementEntry(row["reference"].strip(), _date(row["date"], line), amount, row["label"]))
    return entries


def _amount(text: str, line: int | None = None) -> Decimal:
    clean = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in clean and "." not in clean:
        clean = clean.replace(",", ".")
    try:
        value = Decimal(clean)
    except InvalidOperation:
        where = f" on line {line}" if line else ""
        raise InvalidInput(f"amount {text!r}{where} is not a number", field="statement") from None
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"amount {text!r} has more than two decimals", field="statement")
    return value


def _date(text: str, line: int | None = None) -> date:
    value = text.strip()
    try:
        if re.fullmatch(r"\d{2}/\d{2}/\d{4}", value):  # the French dd/mm/yyyy of bank CSVs
            return date(int(value[6:]), int(value[3:5]), int(value[:2]))
        return date.fromisoformat(value[:10])
    except ValueError:
        where = f" on line {line}" if line else ""
        raise InvalidInput(f"date {text!r}{where} is not a date", field="statement") from None


def match_entries(
    entries: Iterable[StatementEntry], outstanding: Mapping[str, Decimal]
) -> tuple[list[Match], list[Unmatched]]:
    """Match by invoice number AND amount: the entry names open invoices whose total still due is
    exactly the amount received. ``outstanding`` maps each open invoice number to what it owes."""
    left = dict(outstanding)
    matches: list[Match] = []
    unmatched: list[Unmatched] = []
    for entry in entries:
        named = list(dict.fromkeys(_INVOICE_NUMBER.findall(entry.text)))
        known = [number for number in named if number in left]
        if not named:
            unmatched.append(Unmatched(entry, "no invoice number in the remittance information"))
            continue
        if not known:
            unmatched.append(Unmatched(entry, f"no open invoice {', '.join(named)}"))
            continue
        due = sum((left[number] for number in known), Decimal(0))
        if due != entry.amount:
            unmatched.append(Unmatched(entry, f"{entry.amount:.2f} received, {due:.2f} due on {', '.join(known)}"))
            continue
        for number in known:
            matches.append(Match(entry, number, left.pop(number)))
    return matches, unmatched
