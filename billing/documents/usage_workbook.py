"""``usage.xlsx``: the customer's usage statement of a month as a workbook (issue 11 §8).

Sheet "Consommation": credits by day, running total and cap; a line chart of the cumulative
consumption against the cap. Sheet "Usage tardif": late usage booked in the month by its
original month (§7).
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font, PatternFill

from invoices.usage_statement import statement_days
from ledger.months import Month


def usage_workbook(account: str, month: Month, per_day: dict[date, int], cap: int | None,
                   late_usage: list[dict[str, Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Consommation"
    sheet.append([f"Relevé de consommation — compte {account} — {month}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    header = ["Jour", "Crédits", "Cumul", "Plafond", "Au-delà du plafond"]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0D3B66")
    days = statement_days(month, per_day, cap)
    for row in days:
        sheet.append([row.day, row.credits, row.cumulative, row.cap, "oui" if row.over_cap else ""])
        sheet.cell(row=sheet.max_row, column=1).number_format = "DD/MM/YYYY"
    total_row = sheet.max_row + 1
    sheet.cell(row=total_row, column=1, value="Total").font = Font(bold=True)
    sheet.cell(row=total_row, column=2, value=f"=SUM(B4:B{total_row - 1})").font = Font(bold=True)
    for column, width in zip("ABCDE", (14, 12, 12, 12, 20), strict=True):
        sheet.column_dimensions[column].width = width

    chart = LineChart()
    chart.title = "Consommation cumulée et plafond"
    chart.y_axis.title = "Crédits"
    chart.x_axis.title = "Jour"
    chart.x_axis.number_format = "dd/mm"
    first, last = 4, 3 + len(days)
    chart.add_data(Reference(sheet, min_col=3, max_col=4, min_row=3, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    chart.height, chart.width = 9, 18
    sheet.add_chart(chart, "G3")

    late = workbook.create_sheet("Usage tardif")
    late.append(["Mois d'origine", "Crédits facturés ce mois-ci"])
    for cell in late[1]:
        cell.font = Font(bold=True)
    for item in late_usage:
        late.append([item["origin_month"], item["credits"]])
    late.column_dimensions["A"].width = 16
    late.column_dimensions["B"].width = 28
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
