"""The typed blocks a report chapter is made of, each printed by one macro of report_templates/macros.html.

A chapter (`Section`) is a list of blocks in reading order. Each block type names its macro (`MACRO`); the
template prints a block only through that macro and raises on any other type, and `Section.add` refuses a
block that is not one of `BLOCK_TYPES`, so nothing is ever dropped silently.

    section = Section("summary", "Summary")
    section.add(Paragraph("These findings are written from the published figures."))
    section.add(Findings([Finding("Sex", "No indicator differs clearly between girls and boys.")]))
    section.add(Table("Response", ["Stage", "Rate"], [("S1", [cell(42.0, "percent")])], sheet="Response"))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rcs_pipeline.charts.figures import ChartSpec
from rcs_pipeline.reports.column_widths import column_widths
from rcs_pipeline.reports.lookup import Cell


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain words."""

    MACRO: ClassVar[str] = "paragraph"
    text: str


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a chapter (h3)."""

    MACRO: ClassVar[str] = "heading"
    text: str


@dataclass(frozen=True)
class Finding:
    """One key finding: a short bold heading ('Sex') and its sentence, printed '**Sex.** sentence'."""

    heading: str
    text: str


@dataclass(frozen=True)
class Findings:
    """A list of key findings."""

    MACRO: ClassVar[str] = "findings"
    items: tuple[Finding, ...]


@dataclass(frozen=True)
class Figure:
    """A chart (its specification: alt text, title and note now, the PNG drawn by build.py's drawer)."""

    MACRO: ClassVar[str] = "figure"
    chart: ChartSpec


@dataclass
class Table:
    """A printed table: caption, column headers, rows of (row header, cells), a note and its sheet name."""

    MACRO: ClassVar[str] = "table"
    caption: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    note: str = ""
    sheet: str = ""
    text: bool = False
    """Cells are words, not figures: aligned left."""

    @property
    def widths(self) -> list[float]:
        """Percent widths of the columns for the PDF's fixed table layout ([] to leave it automatic)."""
        return column_widths(self.columns, [(header, [c.text for c in cells]) for header, cells in self.rows])


@dataclass(frozen=True)
class SheetOnly:
    """A table written to the spreadsheet only (detail too long for the PDF); prints nothing."""

    MACRO: ClassVar[str] = "sheet_only"
    table: Table


@dataclass(frozen=True)
class Names:
    """A compact list of names, several to a line, under a small heading."""

    MACRO: ClassVar[str] = "names"
    heading: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class SheetNote:
    """A line naming the spreadsheet sheets of some tables; `resolve_sheet_notes` turns it into a `Note`."""

    MACRO: ClassVar[str] = "sheet_note"
    lead: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class Note:
    """A small printed note (e.g. which spreadsheet sheets hold a chapter's detail)."""

    MACRO: ClassVar[str] = "note"
    text: str


Block = Paragraph | Heading | Findings | Figure | Table | SheetOnly | Names | SheetNote | Note
BLOCK_TYPES: tuple[type, ...] = (
    Paragraph,
    Heading,
    Findings,
    Figure,
    Table,
    SheetOnly,
    Names,
    SheetNote,
    Note,
)


def macro_of(block: object) -> str:
    """The macro that prints a block; a TypeError for anything that is not a block (never dropped)."""
    if not isinstance(block, BLOCK_TYPES):
        raise TypeError(f"not a report block: {type(block).__name__} (expected one of {BLOCK_NAMES})")
    return block.MACRO


BLOCK_NAMES = ", ".join(t.__name__ for t in BLOCK_TYPES)


@dataclass
class Section:
    """One chapter of a report: anchor, title and its blocks in reading order."""

    anchor: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block | None) -> None:
        """Append a block (nothing for None); anything that is not a block type raises."""
        if block is not None:
            macro_of(block)
            self.blocks.append(block)

    def para(self, text: str) -> None:
        """Add a paragraph."""
        self.add(Paragraph(text))

    def heading(self, text: str) -> None:
        """Add a sub-heading."""
        self.add(Heading(text))

    def findings(self, items: list[Finding]) -> None:
        """Add key findings (nothing when there are none)."""
        if items:
            self.add(Findings(tuple(items)))

    def chart(self, chart: ChartSpec | None) -> None:
        """Add a chart (nothing when None)."""
        if chart is not None:
            self.add(Figure(chart))

    def table(self, table: Table | None) -> None:
        """Add a table (nothing when None)."""
        self.add(table)

    def sheet_only(self, table: Table | None) -> None:
        """Add a table to the spreadsheet only (detail too long for the PDF)."""
        if table is not None:
            self.add(SheetOnly(table))

    def names(self, heading: str, names: list[str]) -> None:
        """Add a compact list of names (several to a line), under a small heading."""
        if names:
            self.add(Names(heading, tuple(names)))

    def sheet_note(self, lead: str, tables: list[Table | None]) -> None:
        """Add a one-line note naming the spreadsheet sheets that hold `tables` (spreadsheet-only detail)."""
        present = tuple(t for t in tables if t is not None)
        if present:
            self.add(SheetNote(lead, present))

    def tables(self) -> list[Table]:
        """The section's tables, printed and spreadsheet-only (for the spreadsheet)."""
        return [
            b if isinstance(b, Table) else b.table for b in self.blocks if isinstance(b, Table | SheetOnly)
        ]

    def charts(self) -> list[ChartSpec]:
        """The section's charts."""
        return [b.chart for b in self.blocks if isinstance(b, Figure)]


def resolve_sheet_notes(sections: list[Section], sheet_names: list[str], workbook: str) -> None:
    """Turn each `SheetNote` into a printed `Note` naming its tables' sheets in `workbook`.

    `sheet_names` are the names the spreadsheet gives the sections' tables, in `Section.tables()` order.
    """
    tables = [t for s in sections for t in s.tables()]
    by_table = {id(t): name for t, name in zip(tables, sheet_names, strict=True)}
    for section in sections:
        for k, block in enumerate(section.blocks):
            if isinstance(block, SheetNote):
                quoted = [f"\u2018{by_table[id(t)]}\u2019" for t in block.tables]
                sheets = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
                word = "sheet" if len(quoted) == 1 else "sheets"
                section.blocks[k] = Note(f"{block.lead}: {workbook}, {word} {sheets}.")
