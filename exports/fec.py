"""The FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) of a year: pure entries and writer.

Journals (ENGINEERING_NOTES "French invoicing facts"):
- VE (ventes): an invoice debits 411 (customer, TTC) and credits 706 (HT) and 44571 (VAT); a credit
  note does the opposite (its amounts are negative, API.md);
- BQ (banque): money received debits 512 and credits 411; a direct debit returned by the bank
  (a negative payment) debits 411 and credits 512.
An entry gets its number when the fact it records is posted (BILLING_RULES §12, LPF art. A47 A-1:
continuous numbering, no change after validation): the projector appends each fact to the
``fec_entries`` read model in ledger order, numbered per fiscal year (the calendar year of its date),
with its validation date (the day it was recorded) and its label and customer name as they were
then (:class:`FecEntry`). The lines of an entry are a pure function of it (:func:`entry_lines`), so a
later export shows the same entries with the same numbers, lines and ValidDate, followed by the new
ones. Each entry is balanced, and the 411 lines of a settled invoice (the invoice, its credit notes
and its payments adding up to zero) share one lettering code: the code of the entry that completed
the settlement, so lettering a new settlement never renames an earlier one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

COLUMNS = (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
    "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
    "ValidDate", "Montantdevise", "Idevise",
)
SALES = ("VE", "Journal des ventes")
BANK = ("BQ", "Journal de banque")
CUSTOMERS = ("411000", "Clients")
REVENUE = ("706000", "Prestations de services")
OUTPUT_VAT = ("445710", "TVA collectée")
BANK_ACCOUNT = ("512000", "Banque")
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class SaleDocument:
    """An invoice or a credit note of the year (a credit note's amounts are negative)."""

    number: str
    account: str
    legal_name: str
    issue_date: date
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    corrects: str | None = None  # for a credit note: the invoice it corrects

    @property
    def settles(self) -> str:
        return self.corrects or self.number


@dataclass(frozen=True, slots=True)
class BankMove:
    """Money received (positive) or paid back on a returned direct debit (negative) for an invoice."""

    on: date
    account: str
    legal_name: str
    invoice: str | None
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class FecEntry:
    """One FEC entry as posted: its number in its fiscal year and everything its lines are made of.

    ``journal`` is "VE" (an invoice or a credit note: ``total_*`` are its totals, negative for a
    credit note) or "BQ" (money received, or paid back when negative: ``total_ttc`` is the amount,
    ``total_ht`` and ``total_vat`` are zero). ``settles`` is the invoice its 411 line letters with.
    ``valid_on`` is the validation date: the day the fact was recorded, never before ``on``.
    """

    entry: int
    journal: str
    on: date
    piece: str
    account: str
    legal_name: str
    label: str
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    settles: str | None
    valid_on: date


def sale_entry(doc: SaleDocument, recorded_on: date, entry: int = 0) -> FecEntry:
    """The VE entry of an invoice or a credit note, validated on the day it was recorded."""
    kind = "Avoir" if doc.corrects else "Facture"
    return FecEntry(entry, SALES[0], doc.issue_date, doc.number, doc.account, doc.legal_name,
                    f"{kind} {doc.number} {doc.legal_name}"[:200], doc.total_ht, doc.total_vat, doc.total_ttc,
                    doc.settles, max(recorded_on, doc.issue_date))


def bank_entry(move: BankMove, recorded_on: date, entry: int = 0) -> FecEntry:
    """The BQ entry of money received (or paid back), validated on the day it was recorded."""
    label = (f"Règlement {move.invoice or ''} {move.legal_name}" if move.amount > 0
             else f"Impayé {move.invoice or ''} {move.legal_name}")[:200]
    piece = (move.reference or move.invoice or "-")[:40]
    return FecEntry(entry, BANK[0], move.on, piece, move.account, move.legal_name, label, ZERO, ZERO, move.amount,
                    move.invoice, max(recorded_on, move.on))


@dataclass(slots=True)
class FecLine:
    """One line of the FEC; the lettering is set in place once all lines of the year are known."""

    journal: tuple[str, str]
    entry: int
    on: date
    account: tuple[str, str]
    aux: tuple[str, str] | None
    piece: str
    piece_date: date
    label: str
    debit: Decimal
    credit: Decimal
    settles: str | None = None  # the invoice a 411 line belongs to, for lettering
    letter: str = ""
    letter_date: date | None = None
    valid_on: date | None = None  # ValidDate; the entry date when None


def fec_file_name(siren: str, year: int) -> str:
    """``{SIREN}FEC{closing date YYYYMMDD}.txt`` (LPF art. A47 A-1); the year closes on 31 December."""
    return f"{siren}FEC{year}1231.txt"


def _split(amount: Decimal) -> tuple[Decimal, Decimal]:
    """(debit, credit) of a signed amount on a debit-normal account."""
    return (amount, ZERO) if amount >= 0 else (ZERO, -amount)


def entry_lines(entries: Iterable[FecEntry]) -> list[FecLine]:
    """The lines of posted entries, in entry order as given, then lettered (VE: 411 TTC, 706 HT,
    44571 VAT when not zero; BQ: 512 and 411)."""
    lines: list[FecLine] = []
    append = lines.append
    for e in entries:
        aux = (e.account.upper(), e.legal_name)
        if e.journal == SALES[0]:
            debit, credit = _split(e.total_ttc)
            append(FecLine(SALES, e.entry, e.on, CUSTOMERS, aux, e.piece, e.on, e.label, debit, credit,
                           e.settles, valid_on=e.valid_on))
            debit, credit = _split(e.total_ht)
            append(FecLine(SALES, e.entry, e.on, REVENUE, None, e.piece, e.on, e.label, credit, debit,
                           valid_on=e.valid_on))
            if e.total_vat != 0:
                debit, credit = _split(e.total_vat)
                append(FecLine(SALES, e.entry, e.on, OUTPUT_VAT, None, e.piece, e.on, e.label, credit, debit,
                               valid_on=e.valid_on))
        else:
            debit, credit = _split(e.total_ttc)
            append(FecLine(BANK, e.entry, e.on, BANK_ACCOUNT, None, e.piece, e.on, e.label, debit, credit,
                           valid_on=e.valid_on))
            append(FecLine(BANK, e.entry, e.on, CUSTOMERS, aux, e.piece, e.on, e.label, credit, debit,
                           e.settles, valid_on=e.valid_on))
    return letter(lines)


def fec_lines(documents: Iterable[SaleDocument], moves: Iterable[BankMove]) -> list[FecLine]:
    """Entries of rows not posted through the ledger (the bench, pure tests): numbered in date order,
    sales before bank on a day, each validated on its own date. The service exports posted entries."""
    pending = [(doc.issue_date, 0, doc.number, sale_entry(doc, doc.issue_date)) for doc in documents]
    pending += [(move.on, 1, move.reference, bank_entry(move, move.on)) for move in moves]
    pending.sort(key=lambda p: (p[0], p[1], p[2]))
    return entry_lines(replace(p[3], entry=n) for n, p in enumerate(pending, start=1))


def _code(n: int) -> str:
    """Bijective base 26: 1 -> A, 26 -> Z, 27 -> AA (lettering codes)."""
    text = ""
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(65 + rest) + text
    return text


def letter(lines: list[FecLine]) -> list[FecLine]:
    """Give the 411 lines of each settled invoice one lettering code, dated by the last of them (in place).

    The code is the entry number, in letters, of the group's last entry (the one that completed the
    settlement): every entry has one 411 line, so no two groups share it, and a new settlement never
    renames the code of an earlier one (a later export letters what it lettered before the same way).
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        if line.settles is not None and line.account == CUSTOMERS:
            groups[line.settles].append(index)
    for indexes in groups.values():
        if len(indexes) < 2 or sum(lines[i].debit - lines[i].credit for i in indexes) != 0:
            continue
        code = _code(max(lines[i].entry for i in indexes))
        settled_on = max(lines[i].on for i in indexes)
        for i in indexes:
            lines[i].letter = code
            lines[i].letter_date = settled_on
    return lines


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")  # the FEC's decimal comma


FORMULA_STARTS = ("=", "+", "-", "@")


def _clean(text: str) -> str:
    """A text field as the FEC carries it: one line, no separator, and never read as a formula.

    The FEC is a tab-separated file that accountants open in a spreadsheet, where a field starting
    with ``=``, ``+``, ``-`` or ``@`` (a customer's legal name, a bank reference) is a formula
    (CSV injection, issue 17 item 7e): such a field is neutralised with a leading apostrophe, as the
    spreadsheet convention for "this is text" (the workbook stores every text as a string cell).
    """
    cleaned = text.replace("\t", " ").replace("|", " ").replace("\r", " ").replace("\n", " ").strip()
    return "'" + cleaned if cleaned.startswith(FORMULA_STARTS) else cleaned


def write_fec(lines: Iterable[FecLine]) -> bytes:
    """Tab-separated, header first, dates YYYYMMDD, amounts with a decimal comma, ISO-8859-15."""
    days: dict[date, str] = {}

    def day(value: date) -> str:
        text = days.get(value)
        if text is None:
            text = days[value] = f"{value:%Y%m%d}"
        return text

    cleaned: dict[str, str] = {}

    def clean(text: str) -> str:
        result = cleaned.get(text)
        if result is None:
            result = cleaned[text] = _clean(text)
        return result

    out = ["\t".join(COLUMNS)]
    for line in lines:
        on = day(line.on)
        aux = line.aux
        out.append("\t".join((
            line.journal[0], line.journal[1], str(line.entry), on, line.account[0], line.account[1],
            aux[0] if aux else "", clean(aux[1]) if aux else "", clean(line.piece),
            day(line.piece_date), clean(line.label), _amount(line.debit), _amount(line.credit), line.letter,
            day(line.letter_date) if line.letter_date else "", day(line.valid_on) if line.valid_on else on, "", "",
        )))
    return ("\r\n".join(out) + "\r\n").encode("iso-8859-15", errors="replace")


def check_fec(content: bytes, year: int) -> list[str]:
    """The format checks of the official description (BOI-CF-IOR-60-40-20): the problems found, if any.

    18 columns in order; dates YYYYMMDD within the year; amounts unsigned with two decimals and a decimal
    comma; account numbers of the chart; each entry balanced; entry numbers continuous; a lettering code
    with its date; a customer line with its auxiliary account; validation not before the entry date.
    """
    problems: list[str] = []
    rows = content.decode("iso-8859-15").split("\r\n")
    if rows[-1] == "":
        rows.pop()
    if tuple(rows[0].split("\t")) != COLUMNS:
        problems.append("the header is not the 18 columns in order")
    balance: dict[str, Decimal] = defaultdict(Decimal)
    numbers: list[int] = []
    amount = re.compile(r"^\d+,\d{2}$")
    for n, row in enumerate(rows[1:], start=2):
        cells = row.split("\t")
        if len(cells) != 18:
            problems.append(f"line {n}: {len(cells)} columns")
            continue
        for column in (3, 9, 15):
            try:
                day = date(int(cells[column][:4]), int(cells[column][4:6]), int(cells[column][6:8]))
            except ValueError:
                problems.append(f"line {n}: {COLUMNS[column]} {cells[column]!r} is not YYYYMMDD")
                continue
            if len(cells[column]) != 8 or (column == 3 and day.year != year):
                problems.append(f"line {n}: {COLUMNS[column]} {cells[column]!r} outside {year}")
        for column in (11, 12):
            if not amount.match(cells[column]):
                problems.append(f"line {n}: {COLUMNS[column]} {cells[column]!r} is not an amount")
        if not all(cells[i] for i in (0, 1, 2, 4, 5, 8, 10)):
            problems.append(f"line {n}: a mandatory column is empty")
        if not (cells[4].isdigit() and len(cells[4]) >= 3):
            problems.append(f"line {n}: CompteNum {cells[4]!r} is not an account number of the chart (PCG)")
        if cells[15] < cells[3]:
            problems.append(f"line {n}: ValidDate is before EcritureDate")
        if bool(cells[13]) != bool(cells[14]):
            problems.append(f"line {n}: EcritureLet and DateLet go together")
        if cells[4].startswith("411") and not cells[6]:
            problems.append(f"line {n}: a customer line without CompAuxNum")
        if not problems or not problems[-1].startswith(f"line {n}:"):
            balance[cells[2]] += Decimal(cells[11].replace(",", ".")) - Decimal(cells[12].replace(",", "."))
            if not numbers or numbers[-1] != int(cells[2]):
                numbers.append(int(cells[2]))
    problems += [f"entry {entry} is not balanced ({value})" for entry, value in balance.items() if value != 0]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append("entry numbers are not continuous from 1 in file order")
    return problems
