"""Writes :mod:`exports.workbook` sheets as an .xlsx with openpyxl (the adapter; the rows are pure).

openpyxl's write-only mode streams rows to the file, so 600,000 lines never sit in memory as cells:
pandas' ``DataFrame.to_excel`` builds every cell first and was the slower path for this size (issue 12
asks for at least half the speed of a bare write-only loop). Each cell is styled by its column's kind:
dates as Excel dates, amounts as numbers in a euro format; headers are frozen, filtered and sized, and
a bold total row closes each sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


def _styled_rows(sheet: WriteOnlyWorksheet, kinds: list[str]) -> Callable[[Any, int], Iterator[Any]]:
    """openpyxl's per-row cell conversion with one styled cell per column, reused row after row.

    Write-only openpyxl turns each appended value into a cell; a value that is already a styled cell
    first fails a conversion (an exception per cell) and then costs a new cell. This replacement
    (installed on the sheet for its data rows) sets each column's value on that column's cell, which
    the writer serialises before the next value is set: the same contract as openpyxl's own
    ``_values_to_row`` (openpyxl 3.1), which reuses one cell the same way.
    """
    cells = []
    for index, kind in enumerate(kinds, start=1):
        cell = WriteOnlyCell(sheet, None)
        if kind in FORMATS:
            cell.style = kind
        cell.column = index
        cells.append(cell)

    def values_to_row(values: Any, row_index: int) -> Iterator[Any]:
        for cell, value in zip(cells, values, strict=False):
            if value is None:
                continue
            cell.value = value
            cell.row = row_index
            yield cell

    return values_to_row


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
        # Data rows through the styled cells; the instance attribute shadows openpyxl's method.
        sheet._values_to_row = _styled_rows(sheet, [c.kind for c in columns])
        count = 0
        append = sheet.append
        for row in spec.iter_rows():
            append(row)
            count += 1
            if progress is not None and count % 10000 == 0:
                progress(spec.title, 10000)
        if progress is not None:
            progress(spec.title, count % 10000)
        del sheet._values_to_row  # the total row carries its own styled cells
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
