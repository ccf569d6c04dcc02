"""The spreadsheet beside each PDF: a cover sheet, notes, then one table per sheet, `[c]` where withheld.

Follows the GSS guidance for releasing statistics in spreadsheets: a cover sheet with the title and
contents, a notes sheet, one table per sheet starting in cell A1 area with a header row (an Excel table),
symbols in place of missing values. Dates are pinned so the same inputs give the same file.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import xlsxwriter

from rcs_pipeline.reports.blocks import Table
from rcs_pipeline.reports.formatting import SYMBOLS
from rcs_pipeline.reports.lookup import Cell

FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
CELL_REFERENCE = re.compile(r"^([a-z]{1,3}\d+|[rc]|r\d*c\d*)$", re.IGNORECASE)
"""Names Excel reads as a cell (A1, XFD99, R1C1, R, C): a table may not be called that."""
TABLE_STYLE = "Table Style Light 1"


def sheet_names(tables: list[Table]) -> list[str]:
    """Unique Excel sheet names (≤ 31 characters, no forbidden characters) for the tables, numbered."""
    names = []
    for k, table in enumerate(tables, start=1):
        base = FORBIDDEN.sub(" ", table.sheet or table.caption).strip()
        names.append(f"T{k} {base}"[:31].rstrip())
    return names


def table_name(label: str) -> str:
    """A meaningful Excel table name from a sheet name: word characters joined by `_`, never a cell reference."""
    name = re.sub(r"\W+", "_", label).strip("_")
    if not name or not re.match(r"[^\W\d]", name) or CELL_REFERENCE.match(name):
        name = f"Table_{name}"
    return name


def add_header_table(
    sheet: Any, first_row: int, headers: list[str], rows: int, name: str, header_format: Any = None
) -> None:
    """Mark a header row at `first_row` and the `rows` rows under it as the named Excel table `name`.

    The GSS guidance for accessible spreadsheets asks for each table to be an Excel table with a header
    row, so a screen reader announces the column header with every cell. xlsxwriter only warns about a
    table it cannot make (bad name, overlap), so that is raised here instead.
    """
    columns = [{"header": _unique_header(h, i, headers)} for i, h in enumerate(headers)]
    if header_format is not None:
        for column in columns:
            column["header_format"] = header_format
    last_row = first_row + max(rows, 1)
    options = {"name": name, "columns": columns, "style": TABLE_STYLE, "autofilter": False}
    if (sheet.add_table(first_row, 0, last_row, len(headers) - 1, options) or 0) < 0:
        raise ValueError(f"sheet {sheet.name!r}: table {name!r} could not be made (see xlsxwriter's warning)")


def _write_cell(sheet, row: int, col: int, value: Cell, formats: dict) -> None:
    """Write one cell: a number as a number in its unit's format; symbols, intervals, values with [u] and
    words (a school code "0050001" among them) as text."""
    number = value.number
    if number is None:
        sheet.write_string(row, col, value.text, formats["text"])
    elif value.unit == "percent":
        sheet.write_number(row, col, round(number), formats["percent"])
    elif value.unit == "count":
        sheet.write_number(row, col, int(number), formats["count"])
    else:
        sheet.write_number(row, col, round(number, 1), formats["decimal"])


def workbook_bytes(
    tables: list[Table],
    *,
    title: str,
    facts: list[tuple[str, str]],
    notes: list[str],
    created: datetime | None = None,
) -> bytes:
    """The XLSX file of a report's tables as bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties(
        {
            "title": title,
            "author": "Realigning Children's Services programme",
            "created": created or datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None),
        }
    )
    formats = {
        "title": book.add_format({"bold": True, "font_size": 16}),
        "heading": book.add_format({"bold": True, "font_size": 12}),
        "text": book.add_format({"align": "right"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "percent": book.add_format({"num_format": '0"%"'}),
        "count": book.add_format({"num_format": "#,##0"}),
        "decimal": book.add_format({"num_format": "0.0"}),
    }
    names = sheet_names(tables)
    cover = book.add_worksheet("Cover")
    cover.set_column(0, 0, 42)
    cover.set_column(1, 1, 80)
    cover.write_string(0, 0, title, formats["title"])
    row = 2
    for key, value in facts:
        cover.write_string(row, 0, key)
        cover.write_string(row, 1, value)
        row += 1
    row += 1
    cover.write_string(row, 0, "Contents", formats["heading"])
    row += 1
    for name, table in zip(names, tables, strict=True):
        cover.write_url(row, 0, f"internal:'{name}'!A1", string=name)
        cover.write_string(row, 1, table.caption)
        row += 1
    notes_sheet = book.add_worksheet("Notes")
    notes_sheet.set_column(0, 0, 12)
    notes_sheet.set_column(1, 1, 110)
    notes_sheet.write_string(0, 0, "Notes", formats["title"])
    add_header_table(notes_sheet, 2, ["Symbol or note", "Meaning"], len(SYMBOLS) + len(notes), "Notes")
    line = 3
    for symbol, meaning in SYMBOLS.items():
        notes_sheet.write_string(line, 0, symbol)
        notes_sheet.write_string(line, 1, meaning)
        line += 1
    for k, note in enumerate(notes, start=1):
        notes_sheet.write_string(line, 0, f"Note {k}")
        notes_sheet.write_string(line, 1, note, formats["wrap"])
        line += 1
    for name, table in zip(names, tables, strict=True):
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, table.caption, formats["heading"])
        sheet.write_string(1, 0, table.note or "[c] withheld to protect confidentiality.")
        first = 3
        add_header_table(sheet, first, table.columns, len(table.rows), table_name(name))
        for r, (header, cells) in enumerate(table.rows, start=first + 1):
            sheet.write_string(r, 0, header)
            for c, value in enumerate(cells, start=1):
                _write_cell(sheet, r, c, value, formats)
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, len(table.columns) - 1, 16)
    book.close()
    return buffer.getvalue()


def _unique_header(header: str, index: int, headers: list[str]) -> str:
    """Excel table headers must be unique: repeat names get their position appended."""
    return header if headers.index(header) == index else f"{header} ({index + 1})"
