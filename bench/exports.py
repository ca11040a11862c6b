"""Exports at scale (issue 12): the workbook, the FEC and a SEPA file, on rows generated directly.

10,000 accounts x 12 months = 120,000 invoices and 600,000 lines, 120,000 payments; the workbook is
compared with a bare openpyxl write-only loop over the same rows in the same run.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from billing.documents.accounting_workbook import write_workbook
from exports.accounting_sheets import DocumentRow, LineRow, OpenItem, PaymentRow, build_sheets
from exports.fec import BankMove, SaleDocument, check_fec, fec_lines, write_fec
from exports.sepa import (
    DebitCandidate,
    check_creditor,
    parse_one_line_address,
    select_debits,
    structured_address,
    write_pain008,
)

IBAN = "FR7630006000011234567890189"
KINDS = ("plan_fee", "branding_removal", "advanced_support", "overage", "intervention")
AMOUNTS = (Decimal("500.00"), Decimal("50.00"), Decimal("380.00"), Decimal("42.50"), Decimal("150.00"))
HT = sum(AMOUNTS, Decimal(0))  # 1122.50
VAT = Decimal("224.50")  # 20 %
TTC = HT + VAT  # 1347.00


def generate(accounts: int, months: int = 12) -> dict[str, Any]:
    documents: list[DocumentRow] = []
    lines: list[LineRow] = []
    payments: list[PaymentRow] = []
    sales: list[SaleDocument] = []
    moves: list[BankMove] = []
    n = 0
    for m in range(months):
        issue = date(2025, m + 1, 2)
        due = issue + timedelta(days=30)
        for a in range(accounts):
            n += 1
            number = f"FX-2025-{n:06d}"
            account = f"acct{a:05d}"
            documents.append(DocumentRow(number, "Facture", account, f"Client {a} SAS", f"2025-{m + 1:02d}", issue, due,
                                         None, Decimal("20.00"), HT, VAT, TTC, "issued"))
            sales.append(SaleDocument(number, account, f"Client {a} SAS", issue, HT, VAT, TTC))
            for seq, (kind, amount) in enumerate(zip(KINDS, AMOUNTS, strict=True)):
                lines.append(LineRow(number, seq, kind, f"{kind} 2025-{m + 1:02d}", "1", amount, amount))
            if m < months - 1:
                payments.append(PaymentRow(due, account, number, TTC, "sepa_debit", f"SDD-{number}"))
                moves.append(BankMove(due, account, f"Client {a} SAS", number, TTC, f"SDD-{number}"))
    last = date(2025, 12, 31)
    open_items = [OpenItem(d.number, d.account, d.legal_name, d.due_date or last, TTC) for d in documents[-accounts:]]
    return {"documents": documents, "lines": lines, "payments": payments, "open": open_items, "end": last,
            "sales": sales, "moves": moves}


def bare_loop(data: dict[str, Any], path: str) -> tuple[float, int]:
    """The baseline: the same rows, as plain tuples, appended to a write-only workbook and saved."""
    sheets = build_sheets(data["documents"], data["lines"], data["payments"], data["open"], data["end"])
    tables = [(s.title, [s.columns], list(s.rows)) for s in sheets]
    rows = sum(len(t[2]) for t in tables)
    started = time.perf_counter()
    book = Workbook(write_only=True)
    for title, header, body in tables:
        sheet = book.create_sheet(title[:31])
        sheet.append([c.header for c in header[0]])
        for row in body:
            sheet.append(row)
    book.save(path)
    return time.perf_counter() - started, rows


def workbook(data: dict[str, Any], path: str) -> tuple[float, int]:
    started = time.perf_counter()
    sheets = build_sheets(data["documents"], data["lines"], data["payments"], data["open"], data["end"])
    count = 0

    def progress(_sheet: str, rows: int, _total: int | None) -> None:
        nonlocal count
        count += rows

    with open(path, "wb") as out:
        write_workbook(sheets, out, progress)
    return time.perf_counter() - started, count


def sepa(debits: int) -> float:
    creditor = check_creditor("FLEXIO SAS", "FR72ZZZ123456", IBAN, "",
                              parse_one_line_address("18 rue Alain Savary, 25000 Besançon"))
    address = structured_address("1 rue X", "25000", "Besançon", "FR")
    rows = [DebitCandidate(f"FX-2026-{i:06d}", f"acct{i:05d}", f"Client {i} SAS", address, f"RUM-{i:05d}",
                           date(2026, 1, 5), IBAN, None, date(2026, 3, 2), date(2026, 4, 1), TTC, Decimal(0),
                           Decimal(0), "issued") for i in range(debits)]
    started = time.perf_counter()
    selection = select_debits(rows, date(2026, 4, 1), set(), {f"RUM-{i:05d}" for i in range(0, debits, 2)})
    content = write_pain008(creditor, selection.debits, date(2026, 4, 1), "CORE", "pain.008.001.08",
                            datetime(2026, 3, 30, 9, 0))
    seconds = time.perf_counter() - started
    assert content.count(b"<DrctDbtTxInf>") == debits
    return seconds


def run(accounts: int = 10_000) -> dict[str, Any]:
    data = generate(accounts)
    with tempfile.TemporaryDirectory() as tmp:
        base_s, base_rows = bare_loop(data, os.path.join(tmp, "bare.xlsx"))
        book_s, book_rows = workbook(data, os.path.join(tmp, "book.xlsx"))
        size = os.path.getsize(os.path.join(tmp, "book.xlsx"))
    started = time.perf_counter()
    content = write_fec(fec_lines(data["sales"], data["moves"]))
    fec_s = time.perf_counter() - started
    problems = check_fec(content, 2025)
    sepa_s = sepa(accounts)
    return {
        "accounts": accounts,
        "invoices": len(data["documents"]),
        "lines": len(data["lines"]),
        "payments": len(data["payments"]),
        "baseline": {"seconds": base_s, "rows": base_rows, "rows_per_s": base_rows / base_s},
        "workbook": {"seconds": book_s, "rows": book_rows, "rows_per_s": book_rows / book_s, "bytes": size},
        "workbook_ratio": (book_rows / book_s) / (base_rows / base_s),
        "fec": {"seconds": fec_s, "lines": content.count(b"\n") - 1, "format_problems": len(problems)},
        "sepa": {"seconds": sepa_s, "debits": accounts},
    }
