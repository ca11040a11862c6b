"""``usage.xlsx``: the customer's usage statement of a month as a workbook (issue 11 §8, issue 19.7).

Sheet "Consommation": credits by day, running total, cap and the overage accrued in euros; a line
chart of the cumulative consumption against the cap. Sheet "Usage tardif": late usage booked in the
month by its original month (§7).

Written for the viewers customers use: the header stays frozen while scrolling, credits are numbers
with a thousands format, and the total row holds its value, not a formula (a viewer that does not
recalculate, such as a mail preview or a browser viewer, would show an empty cell); it prints on one
landscape page width with the header repeated.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from invoices.usage_statement import OverageTerms, statement_days
from ledger.months import Month

CREDITS_FORMAT = "#,##0"
EURO_FORMAT = '#,##0.00\\ "€"'
HEADER_ROW = 3


def _print_setup(sheet: Worksheet, title_rows: str) -> None:
    """A4 landscape, one page wide, the header rows repeated on every printed page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4 (ECMA-376 paper size code)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows


def usage_workbook(account: str, month: Month, per_day: dict[date, int], cap: int | None,
                   late_usage: list[dict[str, Any]], terms: OverageTerms | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Consommation"
    sheet.append([f"Relevé de consommation — compte {account} — {month}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    header = ["Jour", "Crédits", "Cumul", "Plafond", "Au-delà du plafond", "Dépassement cumulé (€ HT)"]
    sheet.append(header)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0D3B66")
    days = statement_days(month, per_day, cap, terms)
    for row in days:
        overage = None if row.overage is None else row.overage.amount
        sheet.append([row.day, row.credits, row.cumulative, row.cap, "oui" if row.over_cap else "", overage])
        index = sheet.max_row
        sheet.cell(row=index, column=1).number_format = "DD/MM/YYYY"
        for column in (2, 3, 4):
            sheet.cell(row=index, column=column).number_format = CREDITS_FORMAT
        sheet.cell(row=index, column=6).number_format = EURO_FORMAT
    total_row = sheet.max_row + 1
    sheet.cell(row=total_row, column=1, value="Total").font = Font(bold=True)
    total = sheet.cell(row=total_row, column=2, value=sum(row.credits for row in days))
    total.font = Font(bold=True)
    total.number_format = CREDITS_FORMAT
    if days and days[-1].overage is not None:
        accrued = sheet.cell(row=total_row, column=6, value=days[-1].overage.amount)
        accrued.font = Font(bold=True)
        accrued.number_format = EURO_FORMAT
    for letter, width in zip("ABCDEF", (14, 12, 12, 12, 20, 27), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(sheet, f"{HEADER_ROW}:{HEADER_ROW}")

    chart = LineChart()
    chart.title = "Consommation cumulée et plafond"
    chart.y_axis.title = "Crédits"
    chart.x_axis.title = "Jour"
    chart.x_axis.number_format = "dd/mm"
    first, last = HEADER_ROW + 1, HEADER_ROW + len(days)
    chart.add_data(Reference(sheet, min_col=3, max_col=4, min_row=HEADER_ROW, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    for series in chart.series:
        series.smooth = False  # a cumulative total never goes down: a smoothed curve would dip and overshoot
    chart.height, chart.width = 9, 18
    sheet.add_chart(chart, "H3")

    late = workbook.create_sheet("Usage tardif")
    late.append(["Mois d'origine", "Crédits facturés ce mois-ci"])
    for cell in late[1]:
        cell.font = Font(bold=True)
    for item in late_usage:
        late.append([item["origin_month"], item["credits"]])
        late.cell(row=late.max_row, column=2).number_format = CREDITS_FORMAT
    late.column_dimensions["A"].width = 16
    late.column_dimensions["B"].width = 28
    late.freeze_panes = "A2"
    _print_setup(late, "1:1")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
