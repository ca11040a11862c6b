"""The FEC (Fichier des Écritures Comptables, LPF art. A47 A-1) of a year: pure entries and writer.

Journals (ENGINEERING_NOTES "French invoicing facts"):
- VE (ventes): an invoice debits 411 (customer, TTC) and credits 706 (HT) and 44571 (VAT); a credit
  note does the opposite (its amounts are negative, API.md);
- BQ (banque): money received debits 512 and credits 411; a direct debit returned by the bank
  (a negative payment) debits 411 and credits 512.
Entries are numbered continuously in date order, each is balanced, and the 411 lines of a settled
invoice (the invoice, its credit notes and its payments adding up to zero) share one lettering code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(slots=True)
class FecLine:
    """One line of the FEC; ``entry`` and the lettering are set in place once all lines are known."""

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


def fec_file_name(siren: str, year: int) -> str:
    """``{SIREN}FEC{closing date YYYYMMDD}.txt`` (LPF art. A47 A-1); the year closes on 31 December."""
    return f"{siren}FEC{year}1231.txt"


def _split(amount: Decimal) -> tuple[Decimal, Decimal]:
    """(debit, credit) of a signed amount on a debit-normal account."""
    return (amount, ZERO) if amount >= 0 else (ZERO, -amount)


def fec_lines(documents: Iterable[SaleDocument], moves: Iterable[BankMove]) -> list[FecLine]:
    """Every entry of the year, numbered in date order (sales before bank on a day), then lettered."""
    pending: list[tuple[date, int, str, list[FecLine]]] = []
    for doc in documents:
        aux = (doc.account.upper(), doc.legal_name)
        kind = "Avoir" if doc.corrects else "Facture"
        label = f"{kind} {doc.number} {doc.legal_name}"[:200]
        customer = _split(doc.total_ttc)
        lines = [FecLine(SALES, 0, doc.issue_date, CUSTOMERS, aux, doc.number, doc.issue_date, label,
                         *customer, settles=doc.settles)]
        revenue = _split(doc.total_ht)
        lines.append(FecLine(SALES, 0, doc.issue_date, REVENUE, None, doc.number, doc.issue_date, label,
                             revenue[1], revenue[0]))
        if doc.total_vat != 0:
            vat = _split(doc.total_vat)
            lines.append(FecLine(SALES, 0, doc.issue_date, OUTPUT_VAT, None, doc.number, doc.issue_date, label,
                                 vat[1], vat[0]))
        pending.append((doc.issue_date, 0, doc.number, lines))
    for move in moves:
        aux = (move.account.upper(), move.legal_name)
        piece = move.reference or move.invoice or "-"
        label = (f"Règlement {move.invoice or ''} {move.legal_name}" if move.amount > 0
                 else f"Impayé {move.invoice or ''} {move.legal_name}")[:200]
        bank = _split(move.amount)
        pending.append((move.on, 1, piece, [
            FecLine(BANK, 0, move.on, BANK_ACCOUNT, None, piece[:40], move.on, label, *bank),
            FecLine(BANK, 0, move.on, CUSTOMERS, aux, piece[:40], move.on, label, bank[1], bank[0],
                    settles=move.invoice),
        ]))
    pending.sort(key=lambda p: (p[0], p[1], p[2]))
    numbered: list[FecLine] = []
    for n, (_day, _journal, _piece, lines) in enumerate(pending, start=1):
        for line in lines:
            line.entry = n
        numbered.extend(lines)
    return letter(numbered)


def _code(n: int) -> str:
    """Bijective base 26: 1 -> A, 26 -> Z, 27 -> AA (lettering codes)."""
    text = ""
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(65 + rest) + text
    return text


def letter(lines: list[FecLine]) -> list[FecLine]:
    """Give the 411 lines of each settled invoice one lettering code, dated by the last of them (in place)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        if line.settles is not None and line.account == CUSTOMERS:
            groups[line.settles].append(index)
    count = 0
    for invoice in sorted(groups, key=lambda k: (min(lines[i].on for i in groups[k]), k)):
        indexes = groups[invoice]
        if len(indexes) < 2 or sum(lines[i].debit - lines[i].credit for i in indexes) != 0:
            continue
        count += 1
        code = _code(count)
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
            day(line.letter_date) if line.letter_date else "", on, "", "",
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
