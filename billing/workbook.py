"""Writes :mod:`exports.workbook` sheets as an .xlsx with openpyxl (the adapter; the rows are pure).

openpyxl's write-only mode streams rows to the file, so 600,000 lines never sit in memory as cells:
pandas' ``DataFrame.to_excel`` builds every cell first and was the slower path for this size (issue 12
asks for at least half the speed of a bare write-only loop). Each cell is styled by its column's kind:
dates as Excel dates, amounts as numbers in a euro format; headers are frozen, filtered and sized, and
a bold total row closes each sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, NamedStyle
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from exports.workbook import DATE, EURO, RATE, Sheet

EURO_FORMAT = '#,##0.00\\ "€";\\-#,##0.00\\ "€"'
DATE_FORMAT = "DD/MM/YYYY"
RATE_FORMAT = '0.00" %"'
FORMATS = {EURO: EURO_FORMAT, DATE: DATE_FORMAT, RATE: RATE_FORMAT}


def _styles(workbook: Workbook) -> None:
    for kind, number_format in FORMATS.items():
        workbook.add_named_style(NamedStyle(name=kind, number_format=number_format))
    workbook.add_named_style(NamedStyle(name="header", font=Font(bold=True)))
    workbook.add_named_style(NamedStyle(name="total", font=Font(bold=True), number_format=EURO_FORMAT))


def _cell_factory(sheet: WriteOnlyWorksheet, kind: str) -> Callable[[Any], Any] | None:
    """A function making a styled cell of ``kind``; None for plain text (written as is, faster)."""
    if kind not in FORMATS:
        return None
    template = WriteOnlyCell(sheet, None)
    template.style = kind
    style = template._style  # the StyleArray of the named style, shared by every cell of the column

    def make(value: Any) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(sheet, value)
        cell._style = style
        return cell

    return make


def write_workbook(sheets: list[Sheet], out: IO[bytes], progress: Callable[[str, int], None] | None = None) -> None:
    workbook = Workbook(write_only=True)
    _styles(workbook)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        columns = spec.columns
        for index, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, column.header)
            cell.style = "header"
            header.append(cell)
        sheet.append(header)
        makers = [_cell_factory(sheet, c.kind) for c in columns]
        styled = [(i, make) for i, make in enumerate(makers) if make is not None]
        count = 0
        append = sheet.append
        for row in spec.iter_rows():
            values = list(row)
            for i, make in styled:
                values[i] = make(values[i])
            append(values)
            count += 1
            if progress is not None and count % 10000 == 0:
                progress(spec.title, 10000)
        if progress is not None:
            progress(spec.title, count % 10000)
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"
        total_row: list[Any] = []
        for index, _column in enumerate(columns):
            if index == 0:
                label = WriteOnlyCell(sheet, "Total")
                label.style = "header"
                total_row.append(label)
            elif index in spec.totals:
                cell = WriteOnlyCell(sheet, spec.totals[index])
                cell.style = "total"
                total_row.append(cell)
            else:
                total_row.append(None)
        sheet.append(total_row)
    workbook.save(out)
