"""The services report's tables as a spreadsheet: a cover sheet, a notes sheet, then one table per sheet.

Follows the GSS spreadsheet guidance the other RCS spreadsheets follow: one table per sheet, a title in
cell A1, each table (and the notes) a named Excel table with a header row, no merged cells, missing
values shown by symbol ([c] withheld, [x] not available, [z] not applicable: cost per participant of a
service with no participants). Byte-identical for the same tables.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from rcs_pipeline.reports.spreadsheet import add_header_table, table_name
from rcs_pipeline.services.display import SYMBOL_NOT_APPLICABLE, SYMBOL_NOT_AVAILABLE
from rcs_pipeline.services.tables import ServicesTables

SHEETS: tuple[tuple[str, str, str], ...] = (
    (
        "services_investment",
        "Investment",
        "Annual spend by breakdown (level, level group, provider type, domain, department, evidence rating, "
        "outcomes in contract), share of all spend (0-1) and spend per child on the school roll",
    ),
    (
        "services_cost_per_participant",
        "Cost_per_participant",
        "Cost per participant of every service; [z] where the service had no participants",
    ),
    (
        "services_cost_by_level",
        "Cost_by_level",
        "Cost per participant of every level and level x domain; spend of services without participants beside it",
    ),
    (
        "services_cost_comparison",
        "Comparison",
        "Services and level x domain groups beside evidence-based alternatives of the same domain and level",
    ),
    (
        "services_coordination",
        "Coordination",
        "Services of different providers or departments with the same domain, level and target group",
    ),
    (
        "services_spend_against_need",
        "Spend_against_need",
        "Share of spend per domain beside the published percentage of pupils with high need; [c] withheld",
    ),
)

NOTES: tuple[tuple[str, str], ...] = (
    ("[c]", "Confidential: withheld by disclosure control so that no child can be identified."),
    ("[x]", "Not available: the figure was not produced for this council and wave."),
    ("[z]", "Not applicable: a cost per participant is not defined for a service that reached nobody."),
    ("Spend", "Annual spend in pounds (GBP) reported by each partner for the year of the wave."),
    (
        "Participants",
        "Children or families reached in the year; a child reached by two services counts twice.",
    ),
    (
        "Prevention and early intervention",
        "Services at the Universal, Prevention and Early intervention levels.",
    ),
    (
        "Evidence-based alternative",
        "A programme of the same domain and level with a reference cost per "
        "participant; 'synthetic' sources are demonstration figures, not citations.",
    ),
    ("Need", "Published council estimates of the share of pupils with high need in each domain."),
)

_SYMBOL_COLUMNS = {
    "secondary_high_need_percent": "secondary_symbol",
    "secondary_n": "secondary_symbol",
    "primary_high_need_percent": "primary_symbol",
    "primary_n": "primary_symbol",
}
_COST_COLUMNS = ("cost_per_participant_gbp", "difference_gbp", "ratio")
"""Columns undefined ([z]) when the row's cost is flagged: no participants, or no services at that level."""


def _cell(row: dict[str, Any], column: str) -> Any:
    """A cell's value, or the symbol that stands for its absence."""
    value = row[column]
    if value is not None:
        return value
    if column in _SYMBOL_COLUMNS:
        return row[_SYMBOL_COLUMNS[column]] or SYMBOL_NOT_AVAILABLE
    if column in _COST_COLUMNS and row.get("cost_flag"):
        return SYMBOL_NOT_APPLICABLE
    return (
        SYMBOL_NOT_AVAILABLE
        if column
        not in (
            "cost_flag",
            "programme",
            "service_id",
            "service_name",
            "provider",
            "alternative_programme",
            "alternative_source",
            "secondary_symbol",
            "primary_symbol",
        )
        else ""
    )


def _write_table(
    book: Any, sheet_name: str, title: str, frame: pl.DataFrame, formats: dict[str, Any]
) -> None:
    """One table on its own sheet: title in A1, header in row 2 (a named Excel table), data below."""
    sheet = book.add_worksheet(sheet_name)
    sheet.write(0, 0, title, formats["title"])
    add_header_table(sheet, 1, frame.columns, frame.height, table_name(sheet_name), formats["header"])
    for c, name in enumerate(frame.columns):
        sheet.set_column(c, c, max(12, min(40, len(name) + 2)))
    for r, row in enumerate(frame.iter_rows(named=True), start=2):
        for c, name in enumerate(frame.columns):
            value = _cell(row, name)
            if isinstance(value, bool):
                sheet.write_string(r, c, "Y" if value else "N")
            elif isinstance(value, float):
                sheet.write_number(
                    r, c, value, formats["share" if "share" in name or name == "ratio" else "money"]
                )
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(2, 0)


def write_services_workbook(
    tables: ServicesTables,
    out: Path,
    *,
    title: str,
    wave: str,
    la_code: str,
    cpp_name: str,
    data_version: str,
) -> Path:
    """Write the services spreadsheet to `out` atomically and return its path."""
    import xlsxwriter

    from rcs_pipeline.reports.render import source_date_epoch
    from rcs_pipeline.storage import write_bytes_atomic

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    created = datetime.fromtimestamp(source_date_epoch(), tz=UTC).replace(tzinfo=None)
    book.set_properties({"title": title, "author": "rcs-pipeline", "created": created})
    formats = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "header": book.add_format({"bold": True, "bottom": 1, "text_wrap": True}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "share": book.add_format({"num_format": "0.0000"}),
        "bold": book.add_format({"bold": True}),
    }
    cover = book.add_worksheet("Cover")
    cover.write(0, 0, title, formats["title"])
    facts = [
        ("Community planning partnership", cpp_name),
        ("Council code", la_code),
        ("Wave", wave),
        ("Data version", data_version[:12]),
        (
            "Source",
            "Services register and reference costs delivered by the CPP partners; need figures "
            "from the published (disclosure-controlled) council estimates.",
        ),
    ]
    for r, (label, value) in enumerate(facts, start=2):
        cover.write(r, 0, label, formats["bold"])
        cover.write(r, 1, value)
    cover.write(len(facts) + 3, 0, "Contents", formats["bold"])
    for r, (_, sheet, description) in enumerate(SHEETS, start=len(facts) + 4):
        cover.write(r, 0, sheet)
        cover.write(r, 1, description)
    cover.set_column(0, 0, 34)
    cover.set_column(1, 1, 110)
    notes = book.add_worksheet("Notes")
    notes.write(0, 0, "Notes and symbols", formats["title"])
    add_header_table(notes, 1, ["Term or symbol", "Meaning"], len(NOTES), "Notes", formats["header"])
    for r, (term, meaning) in enumerate(NOTES, start=2):
        notes.write(r, 0, term)
        notes.write(r, 1, meaning)
    notes.set_column(0, 0, 34)
    notes.set_column(1, 1, 110)
    frames = tables.as_dict()
    for table, sheet, description in SHEETS:
        _write_table(book, sheet, description, frames[table], formats)
    book.close()
    return write_bytes_atomic(out, buffer.getvalue())
