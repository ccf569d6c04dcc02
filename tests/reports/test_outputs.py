"""Rendered reports: every printed number is published, nothing withheld leaks, PDFs are tagged and titled."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import openpyxl
import polars as pl
import pypdf
import pytest

from rcs_pipeline.reports.build import BuildSummary
from rcs_pipeline.reports.catalogue import indicator_labels
from rcs_pipeline.reports.inputs import PublishedTables
from tests.reports.conftest import SENTINEL_COUNT, SENTINEL_VALUE

pytestmark = pytest.mark.xdist_group("reports")

NUMBER = re.compile(r"(?<![\w.\-])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
# Printed furniture that is not a statistic: page numbers, figure numbers, the contents page's leaders.
FURNITURE = (re.compile(r"Page \d+ of \d+"), re.compile(r"Figure \d+\."))
# Fixed numbers of the method text and group labels: 95% intervals, scale ranges, ages 0–8, SIMD 1 to 5.
METHOD_NUMBERS = {"95", "0", "8", "14", "70", "40", "7", "35", "1", "2", "3", "4", "5"}


def printed(value: float | None, unit: str) -> set[str]:
    """The strings a published value can print as."""
    if value is None:
        return set()
    if unit == "percent":
        return {str(round(value))}
    if unit == "count":
        return {f"{int(value):,d}"}
    return {f"{value:.1f}"}


def published_numbers(tables: PublishedTables) -> set[str]:
    """Every number the published tables allow a report to print (suppressed rows excluded)."""
    out: set[str] = set()
    for frame in (tables.estimates, tables.comparator, tables.previous):
        for r in frame.filter(~pl.col("suppressed")).iter_rows(named=True):
            for col in ("value", "ci_low", "ci_high"):
                out |= printed(r[col], r["unit"])
    for r in tables.three_circles.filter(~pl.col("suppressed")).iter_rows(named=True):
        out |= printed(r["percent"], "percent") | printed(r["n"], "count") | printed(r["base"], "count")
    for r in tables.response_rates.filter(~pl.col("suppressed")).iter_rows(named=True):
        out |= (
            printed(r["response_rate"], "percent")
            | printed(r["respondents"], "count")
            | printed(r["roll"], "count")
        )
    for r in tables.linkage_quality.filter(~pl.col("suppressed")).iter_rows(named=True):
        out |= printed(r["count"], "count")
    for r in tables.comparisons.filter(~pl.col("suppressed")).iter_rows(named=True):
        out |= printed(r["estimate"], r["unit"]) | printed(r["reference_estimate"], r["unit"])
    return out | link_rate_numbers(tables.linkage_quality)


def link_rate_numbers(linkage: pl.DataFrame) -> set[str]:
    """Link rates (linked ÷ records or respondents, whole %) of published count pairs, and their gaps in points
    from the whole's rate: the equalities section prints these quotients of published counts."""
    shown = {
        (r["instrument"], r["breakdown"], r["breakdown_value"], r["measure"]): r["count"]
        for r in linkage.filter(~pl.col("suppressed") & pl.col("count").is_not_null()).iter_rows(named=True)
    }
    out: set[str] = set()
    for (instrument, breakdown, value, measure), whole in shown.items():
        part = {"admin_records": "admin_linked", "respondents": "linked"}.get(measure)
        linked = shown.get((instrument, breakdown, value, part))
        overall = [shown.get((instrument, "all", "all", m)) for m in (measure, part)]
        if part is None or linked is None or not whole:
            continue
        rate = 100 * linked / whole
        out.add(str(math.floor(rate + 0.5)))
        if overall[0] and overall[1] is not None:
            out.add(str(math.floor(abs(rate - 100 * overall[1] / overall[0]) + 0.5)))
    return out


def pdf_text(path: Path) -> str:
    """All text of a PDF, page by page."""
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def structure_tags(node, found=None) -> list[tuple[str, str | None]]:
    """(tag, alt text) of every element of a PDF structure tree."""
    found = [] if found is None else found
    node = node.get_object()
    if isinstance(node, pypdf.generic.ArrayObject):
        for child in node:
            structure_tags(child, found)
        return found
    if not isinstance(node, pypdf.generic.DictionaryObject):
        return found
    if "/S" in node:
        found.append((str(node["/S"]), str(node["/Alt"]) if "/Alt" in node else None))
    if "/K" in node:
        structure_tags(node["/K"], found)
    return found


def reports(built: tuple[Path, BuildSummary]) -> list[Path]:
    """Every PDF the build produced."""
    out, summary = built
    return [out / r["pdf"] for r in summary.produced]


def test_every_printed_number_is_a_published_value(built, published):
    """Numbers in the body of every report come from the published tables (or are structural)."""
    allowed = published_numbers(published) | METHOD_NUMBERS
    allowed |= {"20", "10", "9", "2015", "16", "2012", "13"}  # min_group, min_cell, min_cell − 1, waves
    for name in published.schools["school_name"].to_list() + published.schools["asg_name"].to_list():
        allowed |= set(NUMBER.findall(name))
    allowed |= set(published.schools["seed_code"].to_list()) | set(published.schools["asg_code"].to_list())
    labels = indicator_labels(published.estimates["indicator_id"].unique().to_list())
    for label in labels.values():
        allowed |= set(NUMBER.findall(label.label))
    for path in reports(built):
        reader = pypdf.PdfReader(path)
        for number, page in enumerate(reader.pages[2:], start=3):  # cover and contents carry no statistics
            text = page.extract_text() or ""
            for pattern in FURNITURE:
                text = pattern.sub(" ", text)
            text = re.sub(r"[0-9a-f]{12,64}", " ", text)  # data version hashes
            text = re.sub(r"\b[0-9a-f]{7}(-dirty)?\b|\bunknown\b", " ", text)  # code version
            stray = {n for n in NUMBER.findall(text) if n.lstrip("-") not in allowed}
            assert not stray, (
                f"{path.name} page {number} prints numbers not in the published tables: {sorted(stray)}"
            )


def test_no_withheld_value_appears_in_any_pdf_or_spreadsheet(built):
    """Sentinels planted behind every suppression flag never reach a PDF or a spreadsheet."""
    out, summary = built
    forbidden = (
        f"{SENTINEL_VALUE:.1f}",
        f"{int(SENTINEL_VALUE)}",
        f"{SENTINEL_COUNT:,d}",
        str(SENTINEL_COUNT),
    )
    for entry in summary.produced:
        text = pdf_text(out / entry["pdf"])
        assert "[c]" in text
        assert not [f for f in forbidden if f in text], entry["pdf"]
        book = openpyxl.load_workbook(out / entry["xlsx"], read_only=True)
        cells = [
            str(v)
            for ws in book.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v is not None
        ]
        assert "[c]" in cells
        assert not [c for c in cells if any(f in c for f in forbidden) or c in ("99999", "99999.0", "987654")]


def test_pdfs_are_tagged_with_language_title_and_alt_text(built):
    """PDF/UA basics: structure tree, marked content, document language and title, alt text on figures."""
    for path in reports(built):
        reader = pypdf.PdfReader(path)
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root
        assert root["/MarkInfo"]["/Marked"]
        assert root["/Lang"] == "en-GB"
        assert "children's wellbeing profile" in reader.metadata.title
        assert root["/ViewerPreferences"]["/DisplayDocTitle"]
        tags = structure_tags(root["/StructTreeRoot"])
        figures = [alt for tag, alt in tags if tag == "/Figure"]
        assert figures and all(alt and "chart:" in alt.lower() for alt in figures)
        assert "/TH" in {tag for tag, _ in tags} and "/Table" in {tag for tag, _ in tags}


def test_spreadsheet_has_cover_notes_and_one_table_per_sheet(built):
    """Each XLSX opens with a cover and notes, then one titled table per sheet."""
    out, summary = built
    book = openpyxl.load_workbook(out / summary.produced[0]["xlsx"])
    assert book.sheetnames[:2] == ["Cover", "Notes"]
    assert len(book.sheetnames) > 4
    for sheet in book.worksheets[2:]:
        assert len(sheet.tables) == 1
        assert sheet["A1"].value


def test_contents_lists_reports_and_what_was_not_produced(built, published):
    """contents.json names every produced report and every area without one, with the reason."""
    out, _ = built
    contents = json.loads((out / "contents.json").read_text())
    kinds = {r["kind"] for r in contents["reports"]}
    assert kinds == {"council", "cluster", "school"}
    assert all((out / r["pdf"]).exists() and (out / r["xlsx"]).exists() for r in contents["reports"])
    listed = {r["code"] for r in contents["reports"]} | {r["code"] for r in contents["not_produced"]}
    assert listed >= set(published.schools["seed_code"].to_list())
    assert all(r["reason"] for r in contents["not_produced"])
    council_text = pdf_text(out / "council_report.pdf")
    for skipped in contents["not_produced"]:
        assert skipped["name"] in council_text


def test_equalities_tables_are_in_the_council_spreadsheet_and_named_under_their_charts(built, published):
    """The large equalities tables live in the spreadsheet only; their sheets hold the published values, and the
    PDF's equalities chapter keeps its charts and names those sheets under them."""
    out, summary = built
    council = next(e for e in summary.produced if e["kind"] == "council")
    book = openpyxl.load_workbook(out / council["xlsx"], read_only=True)
    moved = [n for n in book.sheetnames if re.fullmatch(r"T\d+ (Secondary|Primary) (groups|sex, SIMD)", n)]
    assert {name.split(" ", 1)[1] for name in moved} == {
        "Secondary groups",
        "Secondary sex, SIMD",
        "Primary groups",
        "Primary sex, SIMD",
    }
    labels = indicator_labels(published.estimates["indicator_id"].unique().to_list())
    by_label = {(label.instrument, label.label): ident for ident, label in labels.items()}
    groups = {  # printed column header -> (breakdown, value)
        "Girls": ("sex", "F"),
        "Boys": ("sex", "M"),
        "SIMD 1 (most deprived)": ("simd_quintile", "1"),
        "ASN": ("any_asn", "true"),
        "No ASN": ("any_asn", "false"),
        "Looked after": ("looked_after_any", "true"),
        "Not looked after": ("looked_after_any", "false"),
    }
    council_rows = published.estimates.filter(pl.col("geography_level") == "council")
    values = {
        (r["indicator_id"], r["breakdown"], r["breakdown_value"]): r
        for r in council_rows.iter_rows(named=True)
    }
    checked = 0
    for name in moved:
        rows = list(book[name].iter_rows(values_only=True))
        header = rows[3]
        assert header[0] == "Indicator"
        for row in rows[4:]:
            ident = by_label[(name.split(" ")[1].lower(), row[0])]
            for column, cell in zip(header[1:], row[1:], strict=True):
                if column not in groups:
                    continue
                published_row = values[(ident, *groups[column])]
                if published_row["suppressed"]:
                    assert cell == "[c]"
                else:
                    assert cell == round(published_row["value"])
                checked += 1
    assert checked > 40
    text = " ".join(pdf_text(out / council["pdf"]).split())
    start = text.index("Equality duties and the programme")
    chapter = text[start : text.index("Parents of children aged 0 to 8", start)]
    for name in moved:
        assert f"\u2018{name}\u2019" in chapter
    assert "indicators by sex and SIMD quintile" not in text  # the tables themselves are not printed
    reader = pypdf.PdfReader(out / council["pdf"])
    figures = [
        alt for tag, alt in structure_tags(reader.trailer["/Root"]["/StructTreeRoot"]) if tag == "/Figure"
    ]
    assert any(
        alt.startswith("Chart: Equalities, secondary pupils") and "Looked after" in alt for alt in figures
    )


def test_council_report_lists_reports_produced_as_names_and_the_others_with_reasons(built):
    """Produced cluster and school reports are named in a compact list; the rest are in a table with the reason."""
    out, _ = built
    contents = json.loads((out / "contents.json").read_text())
    text = " ".join(pdf_text(out / "council_report.pdf").split())
    chapter = text[
        text.rindex("Cluster and school reports") : text.index(
            "Methods, quality and disclosure control", text.rindex("Cluster and school reports")
        )
    ]
    for entry in contents["reports"]:
        if entry["kind"] != "council":
            assert entry["name"] in chapter
    assert "Reports not produced, and why" in chapter
    for skipped in contents["not_produced"]:
        assert skipped["name"] in chapter and skipped["reason"] in chapter
    produced_codes = [e["code"] for e in contents["reports"] if e["kind"] != "council"]
    assert not [code for code in produced_codes if code in chapter]  # names only, no per-report table rows
