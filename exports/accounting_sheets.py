"""The accountants' workbook, as sheets of typed rows (issue 12 "Excel"): pure, no openpyxl here.

Sheets: invoices and credit notes (one row each), their lines, VAT by month and rate, payments, and
the aged receivables at the end date. Each sheet says how its columns are shown (text, date, euro,
rate) and which columns get a total; billing/documents/accounting_workbook.py writes it with openpyxl.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

TEXT, DATE, EURO, RATE, NUMBER = "text", "date", "euro", "rate", "number"

# Aged receivables: what is still due at the end date, by days past the due date.
AGE_BUCKETS = ("Non échu", "1-30 j", "31-60 j", "61-90 j", "> 90 j")

# What the accountants read in the sheets (issue 19.7): the words of the invoice, not the API's codes
# (API.md "Invoices" line kinds and statuses; art. 10.2 payment methods). A code without a label is
# shown as it is, so a new kind is never hidden.
LINE_KIND_LABELS = {
    "plan_fee": "Abonnement",
    "branding_removal": "Retrait de la marque",
    "reference_opt_out": "Renonciation à la référence",
    "advanced_support": "Support avancé",
    "support_extra_hours": "Heures de support supplémentaires",
    "overage": "Dépassement",
    "installation_fee": "Frais d'installation",
    "intervention": "Intervention hors périmètre",
    "early_termination": "Indemnité de résiliation anticipée",
    "penalty_credit": "Pénalité (déduction)",
    "late_interest": "Intérêts de retard",
    "recovery_indemnity": "Indemnité forfaitaire de recouvrement",
    "credit_note": "Avoir",
}
STATUS_LABELS = {
    "issued": "Émise",
    "disputed": "Contestée",
    "accepted": "Acceptée",
    "credited": "Créditée",
}
CREDIT_NOTE_STATUS = "Émis"
PAYMENT_METHOD_LABELS = {
    "sepa_debit": "Prélèvement SEPA",
    "transfer": "Virement",
    "cheque": "Chèque",
}


def french(labels: dict[str, str], code: str | None) -> str | None:
    """The French word for a code of the API, or the code itself when it has none."""
    if code is None:
        return None
    return labels.get(code, code)


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str
    width: int
    total: bool = False

    @property
    def display_width(self) -> int:
        """At least the header's length plus room for the filter button, so no header is cut."""
        return max(self.width, len(self.header) + 4)


@dataclass
class Sheet:
    title: str
    columns: tuple[Column, ...]
    rows: Iterable[tuple[Any, ...]]
    size: int | None = None  # the number of rows, known before they stream (a progress bar's total)
    totals: dict[int, Decimal] = field(default_factory=dict)  # column index -> total, filled while rows go out

    def iter_rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows, summing the total columns on the way (one pass: 600,000 lines are not kept twice)."""
        wanted = [i for i, c in enumerate(self.columns) if c.total]
        sums = dict.fromkeys(wanted, Decimal(0))
        for row in self.rows:
            for i in wanted:
                value = row[i]
                if value is not None:
                    sums[i] += value
            yield row
        self.totals = sums


@dataclass(frozen=True, slots=True)
class DocumentRow:
    """An invoice or a credit note (amounts of credit notes are negative, API.md)."""

    number: str
    kind: str  # "Facture" | "Avoir"
    account: str
    legal_name: str
    month: str
    issue_date: date
    due_date: date | None
    corrects: str | None
    vat_rate: Decimal
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    status: str  # API code (issued, disputed…); "issued" for a credit note


@dataclass(frozen=True, slots=True)
class LineRow:
    number: str
    seq: int
    kind: str
    label: str
    quantity: str | None
    unit_price: Decimal | None
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PaymentRow:
    received_on: date
    account: str
    invoice: str | None
    amount: Decimal
    method: str
    reference: str


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice with something still due at the end date."""

    number: str
    account: str
    legal_name: str
    due_date: date
    outstanding: Decimal


def age_bucket(due: date, end: date) -> int:
    """0: not due at ``end``; 1: 1-30 days late; 2: 31-60; 3: 61-90; 4: over 90 (days after the due date)."""
    late = (end - due).days
    if late <= 0:
        return 0
    if late <= 30:
        return 1
    if late <= 60:
        return 2
    if late <= 90:
        return 3
    return 4


def aged_balance(items: Iterable[OpenItem], end: date) -> list[tuple[Any, ...]]:
    """One row per account: what it owes at ``end`` in each age bucket, and its total."""
    per_account: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(AGE_BUCKETS))
    for item in items:
        per_account[(item.account, item.legal_name)][age_bucket(item.due_date, end)] += item.outstanding
    return [
        (account, name, *buckets, sum(buckets, Decimal(0)))
        for (account, name), buckets in sorted(per_account.items())
    ]


def vat_by_month(documents: Iterable[DocumentRow]) -> list[tuple[Any, ...]]:
    """Per issue month and VAT rate: base HT, VAT and TTC, credit notes netted (negative)."""
    sums: dict[tuple[str, Decimal], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for doc in documents:
        entry = sums[(f"{doc.issue_date:%Y-%m}", doc.vat_rate)]
        entry[0] += doc.total_ht
        entry[1] += doc.total_vat
        entry[2] += doc.total_ttc
    return [(month, rate, ht, vat, ttc) for (month, rate), (ht, vat, ttc) in sorted(sums.items())]


DOCUMENT_COLUMNS = (
    Column("Numéro", TEXT, 17), Column("Type", TEXT, 9), Column("Compte", TEXT, 16), Column("Client", TEXT, 28),
    Column("Mois facturé", TEXT, 12), Column("Date d'émission", DATE, 14), Column("Échéance", DATE, 12),
    Column("Facture corrigée", TEXT, 17), Column("Taux TVA", RATE, 9), Column("Total HT", EURO, 14, True),
    Column("TVA", EURO, 13, True), Column("Total TTC", EURO, 14, True), Column("Statut", TEXT, 10),
)
LINE_COLUMNS = (
    Column("Numéro", TEXT, 17), Column("Ligne", NUMBER, 6), Column("Type", TEXT, 34), Column("Libellé", TEXT, 60),
    Column("Quantité", TEXT, 12), Column("Prix unitaire HT", EURO, 16), Column("Montant HT", EURO, 14, True),
)
VAT_COLUMNS = (
    Column("Mois", TEXT, 9), Column("Taux TVA", RATE, 9), Column("Base HT", EURO, 16, True),
    Column("TVA", EURO, 15, True), Column("Total TTC", EURO, 16, True),
)
PAYMENT_COLUMNS = (
    Column("Date", DATE, 12), Column("Compte", TEXT, 16), Column("Facture", TEXT, 17),
    Column("Montant", EURO, 14, True), Column("Mode", TEXT, 17), Column("Référence", TEXT, 30),
)
AGED_COLUMNS = (
    Column("Compte", TEXT, 16), Column("Client", TEXT, 28),
    *(Column(label, EURO, 13, True) for label in AGE_BUCKETS), Column("Total dû", EURO, 14, True),
)


def _document_status(document: DocumentRow) -> str | None:
    if document.kind == "Avoir":
        return CREDIT_NOTE_STATUS
    return french(STATUS_LABELS, document.status)


def build_sheets(
    documents: list[DocumentRow],
    lines: Iterable[LineRow],
    payments: Iterable[PaymentRow],
    open_items: Iterable[OpenItem],
    end: date,
    line_count: int | None = None,
) -> list[Sheet]:
    """The workbook's sheets in order; rows are generators where a sheet can be long.

    ``end`` is the day of the aged balance; ``line_count`` the number of ``lines``, when known.
    """
    payments = list(payments)
    vat = vat_by_month(documents)
    aged = aged_balance(open_items, end)
    return [
        Sheet("Factures et avoirs", DOCUMENT_COLUMNS, (
            (d.number, d.kind, d.account, d.legal_name, d.month, d.issue_date, d.due_date, d.corrects, d.vat_rate,
             d.total_ht, d.total_vat, d.total_ttc, _document_status(d)) for d in documents), len(documents)),
        Sheet("Lignes", LINE_COLUMNS, (
            (li.number, li.seq + 1, french(LINE_KIND_LABELS, li.kind), li.label, li.quantity, li.unit_price, li.amount)
            for li in lines), line_count),
        Sheet("TVA par mois", VAT_COLUMNS, vat, len(vat)),
        Sheet("Paiements", PAYMENT_COLUMNS, (
            (p.received_on, p.account, p.invoice, p.amount, french(PAYMENT_METHOD_LABELS, p.method), p.reference)
            for p in payments), len(payments)),
        Sheet(f"Balance âgée {end:%d-%m-%Y}", AGED_COLUMNS, aged, len(aged)),
    ]
