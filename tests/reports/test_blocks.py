"""Typed report blocks, the one cell() decision and the spreadsheet's types, on hand-made values."""

from __future__ import annotations

import io
from dataclasses import dataclass

import jinja2
import openpyxl
import pytest

from rcs_pipeline.reports.blocks import Finding, Findings, Paragraph, Section, Table
from rcs_pipeline.reports.lookup import cell, value_cell
from rcs_pipeline.reports.render import template_environment
from rcs_pipeline.reports.spreadsheet import workbook_bytes


def test_cell_decides_value_symbol_and_format() -> None:
    """Withheld → [c] whatever the value; no value → [x] (or the given symbol); a value keeps its number."""
    assert (
        cell(41.6, "percent", suppressed=True).text == "[c]"
        and cell(41.6, "percent", suppressed=True).suppressed
    )
    assert cell(None, "percent").text == "[x]"
    assert cell(float("nan"), "mean").text == "[x]"
    assert cell(None, "count", missing="[z]").text == "[z]"
    assert cell((38.2, None), "percent").text == "[x]"  # an interval without an end is not available
    printed = cell(41.6, "percent")
    assert (printed.text, printed.number, printed.suppressed) == ("42%", 41.6, False)
    assert cell(47.25, "mean").text == "47.2" and cell(1234, "count").text == "1,234"
    assert cell((38.2, 45.7), "percent").text == "38 to 46"
    low = cell(41.6, "percent", low=True)
    assert low.text == "42% [u]" and low.number is None  # a value flagged [u] is written as text
    assert cell("0050001").text == "0050001" and cell("0050001").number is None


def test_value_cell_of_a_withheld_row_never_prints_its_value() -> None:
    """A suppressed row with a (leaked) value prints [c]; an absent row [x]."""
    row = {"value": 99999.0, "unit": "percent", "suppressed": True, "reliability": None}
    assert value_cell(row).text == "[c]"
    assert value_cell(None).text == "[x]"


def test_section_refuses_what_is_not_a_block() -> None:
    """A chapter takes only block types: anything else is an error, not a silently missing paragraph."""
    section = Section("s", "S")
    with pytest.raises(TypeError, match="not a report block"):
        section.add(("p", "old-style tuple"))  # type: ignore[arg-type]
    section.add(None)
    assert section.blocks == []


@dataclass(frozen=True)
class Stray:
    """A block type the templates do not know."""

    MACRO = "stray"


def test_the_template_raises_on_a_block_it_cannot_print() -> None:
    """macros.html prints each block through its macro and raises for anything else."""
    env = template_environment()
    macro = env.from_string('{% import "macros.html" as m %}{{ m.section(s) }}')
    section = Section("s", "Title")
    section.add(Paragraph("One paragraph."))
    section.add(Findings((Finding("Sex", "No indicator differs clearly between girls and boys."),)))
    html = macro.render(s=section)
    assert "<p>One paragraph.</p>" in html
    assert "<li><strong>Sex.</strong> No indicator differs clearly between girls and boys.</li>" in html
    section.blocks.append(Stray())  # type: ignore[arg-type]
    with pytest.raises((TypeError, jinja2.TemplateError)):
        macro.render(s=section)


def test_spreadsheet_keeps_codes_as_text_and_numbers_as_numbers() -> None:
    """A school code with leading zeros stays text; a percentage, count and mean are numbers; symbols text."""
    table = Table(
        "Reports",
        ["Name", "Code", "Rate", "Pupils", "Mean", "Withheld", "Low"],
        [
            (
                "Academy 1",
                [
                    cell("0050001"),
                    cell(41.6, "percent"),
                    cell(1234, "count"),
                    cell(47.25, "mean"),
                    cell(12.0, "percent", suppressed=True),
                    cell(30.0, "percent", low=True),
                ],
            )
        ],
        sheet="Reports",
    )
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes([table], title="t", facts=[], notes=[])))
    sheet = book.worksheets[-1]
    values = [c.value for c in sheet[5]]
    assert values == ["Academy 1", "0050001", 42, 1234, 47.2, "[c]", "30% [u]"]
