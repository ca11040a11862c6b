"""The workbook writer (billing/documents/accounting_workbook.py) round-trips every kind of cell through openpyxl."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from billing.documents.accounting_workbook import write_workbook
from exports.accounting_sheets import DATE, EURO, NUMBER, RATE, TEXT, Column, Sheet, age_bucket


def test_tricky_values_come_back_as_written_with_their_formats_and_totals() -> None:
    columns = (Column("Texte", TEXT, 20), Column("Date", DATE, 12), Column("Montant", EURO, 12, True),
               Column("Taux", RATE, 8), Column("N", NUMBER, 5))
    rows = [
        ("A & B <SAS> \"quoted\"", date(2026, 3, 2), Decimal("1367.15"), Decimal("20.00"), 1),
        ("  leading and trailing  ", date(2026, 12, 31), Decimal("-48.00"), Decimal("0.00"), 2),
        ("control\x01char é€", None, None, None, None),
    ]
    out = io.BytesIO()
    write_workbook([Sheet("Essai", columns, rows)], out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["Essai"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert values[0] == ("A & B <SAS> \"quoted\"", datetime(2026, 3, 2), 1367.15, 20, 1)
    assert values[1] == ("  leading and trailing  ", datetime(2026, 12, 31), -48, 0, 2)
    assert values[2] == ("controlchar é€", None, None, None, None)
    # Total: 1367.15 - 48.00 = 1319.15, in the bold total row under the data.
    assert values[3][0] == "Total" and Decimal(str(values[3][2])) == Decimal("1319.15")
    assert sheet["B2"].number_format == "DD/MM/YYYY" and "€" in sheet["C2"].number_format
    assert sheet["D2"].number_format == '0.00" %"' and sheet["A5"].font.b
    assert sheet.auto_filter.ref == "A1:E4" and sheet.freeze_panes == "A2"


def test_age_buckets_count_days_after_the_due_date() -> None:
    due = date(2026, 4, 1)
    # On the due date: not due; 30 days after: 1-30; 31: 31-60; 61: 61-90; 91: over 90.
    assert [age_bucket(due, date(2026, 4, 1)), age_bucket(due, date(2026, 5, 1)), age_bucket(due, date(2026, 5, 2)),
            age_bucket(due, date(2026, 6, 1)), age_bucket(due, date(2026, 7, 1))] == [0, 1, 2, 3, 4]
