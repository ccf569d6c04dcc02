"""The equalities data section (completeness and linkage of equality fields) read back from the council PDF,
its spreadsheet sheets, and its cells against published_linkage_quality (issue 18)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl

from rcs_pipeline.need.asn_groups import asn_groups, group_columns
from rcs_pipeline.reports.build import BuildSummary
from rcs_pipeline.reports.equalities import FIELDS, completeness_section
from rcs_pipeline.reports.formatting import format_count, format_value
from tests.reports.pdf_checks import report_text

START = "Equalities data: completeness and linkage Equality analysis"


def section_text(built: tuple[Path, BuildSummary]) -> str:
    """The section's text in the council report (to the parent chapter)."""
    out, _ = built
    text = report_text(out / "council_report.pdf")
    start = text.index(START)
    return text[start : text.index("Parents of children aged 0 to 8 Parents and carers", start)]


def admin(published, field: str, value: str, measure: str) -> dict | None:
    """One admin-side published linkage row."""
    rows = published.linkage_quality.filter(
        (pl.col("instrument") == "any")
        & (pl.col("breakdown") == field)
        & (pl.col("breakdown_value") == value)
        & (pl.col("measure") == measure)
    )
    return rows.row(0, named=True) if rows.height else None


def printed(row: dict | None) -> str:
    """How the report prints a published count."""
    if row is None:
        return "none"
    return "[c]" if row["suppressed"] else format_count(row["count"])


def test_every_equality_field_has_its_completeness(built, published) -> None:
    """Sex, SIMD, urban/rural, ASN, looked after (4 kinds), child protection and FSM: records and not recorded."""
    text = section_text(built)
    total = printed(admin(published, "all", "all", "admin_records"))
    for field in FIELDS:
        missing = (
            "[z]"
            if field.blank_means_none
            else printed(admin(published, field.breakdown, "unknown", "admin_records"))
        )
        assert f"{field.name} {total} {missing}" in text, field.name


def test_link_counts_by_group_are_published_counts(built, published) -> None:
    """Each group's records and linked counts print as published, [c] where withheld (some are)."""
    text = section_text(built)
    rows = published.linkage_quality.filter(
        (pl.col("instrument") == "any") & (pl.col("breakdown") == "simd_quintile")
    )
    for value in rows["breakdown_value"].unique().sort().to_list():
        label = "Not recorded" if value == "unknown" else f"SIMD {value}"
        records = printed(admin(published, "simd_quintile", value, "admin_records"))
        linked = printed(admin(published, "simd_quintile", value, "admin_linked"))
        assert f"SIMD quintile: {label} {records} {linked}" in text
    assert "[c]" in text
    assert "none is claimed" in text and "higher" not in text and "lower" not in text


def test_surveys_sex_given_and_linked(built, published) -> None:
    """Per survey: respondents, sex not given and linked, as published; link rates by the sex given."""
    text = section_text(built)
    lq = published.linkage_quality
    for instrument, name in (("parent", "Parents of children aged 0–8"),):

        def count(breakdown: str, value: str, measure: str, instrument: str = instrument) -> str:
            rows = lq.filter(
                (pl.col("instrument") == instrument)
                & (pl.col("breakdown") == breakdown)
                & (pl.col("breakdown_value") == value)
                & (pl.col("measure") == measure)
            )
            return printed(rows.row(0, named=True) if rows.height else None)

        cells = [
            count("all", "all", "respondents"),
            count("sex", "unknown", "respondents"),
            count("all", "all", "linked"),
        ]
        assert f"{name} {' '.join(cells)}" in text
        assert f"{name}: Female {count('sex', 'F', 'respondents')} {count('sex', 'F', 'linked')}" in text


def test_withheld_counts_never_print(built) -> None:
    """Sentinels planted behind withheld linkage counts (conftest) are absent."""
    text = section_text(built)
    assert "987654" not in text and "987,654" not in text


def test_spreadsheet_carries_the_equality_tables(built) -> None:
    """Every table of the section is a named Excel table in the council spreadsheet."""
    out, _ = built
    book = openpyxl.load_workbook(out / "council_report.xlsx")
    titles = [ws.title for ws in book.worksheets]
    for name in ("Equality completeness", "Equality surveys", "Linkage by equality group"):
        match = [t for t in titles if name in t]
        assert match, name
        assert book[match[0]].tables


def test_without_admin_side_counts_the_fields_are_not_available(published) -> None:
    """A wave whose linkage table has no admin side prints [x] for every field, never a made-up figure."""
    pupils_only = replace(
        published, linkage_quality=published.linkage_quality.filter(pl.col("instrument") != "any")
    )
    table = completeness_section(pupils_only.linkage_quality).tables()[0]
    assert all(cells[1].text == "[x]" for _, cells in table.rows)


def test_child_protection_in_the_pdf_and_8fold_in_the_spreadsheet(built, published) -> None:
    """Pupil indicators by child protection register print their published values ([c] where withheld);
    the 8-fold urban/rural tables are named Excel tables of the spreadsheet, named under the heading."""
    text = section_text(built)
    assert "indicators by child protection register" in text and "On register" in text
    rows = published.estimates.filter(
        (pl.col("geography_level") == "council")
        & (pl.col("breakdown") == "child_protection_register")
        & ~pl.col("suppressed")
        & (pl.col("unit") == "percent")
    )
    assert rows.height > 0
    for r in rows.iter_rows(named=True):
        assert format_value(r["value"], "percent") in text
    assert "by urban/rural 8-fold:" in text  # the sheet note
    out, _ = built
    book = openpyxl.load_workbook(out / "council_report.xlsx")
    sheets = [
        ws for ws in book.worksheets if "urban/rural 8-fo" in ws.title or "urban rural 8-fo" in ws.title
    ]
    assert len(sheets) == 2 and all(ws.tables for ws in sheets)
    assert any(ws.cell(1, 1).value.endswith("indicators by urban/rural 8-fold") for ws in sheets)


def expected_rate(records: dict | None, linked: dict | None, overall: float | None) -> str:
    """The link rate and gap the section must print, worked independently: both counts shown, else [c]; the
    gap [x] when all records' rate is not published (one of its counts withheld)."""
    if records is None or linked is None or records["suppressed"] or linked["suppressed"]:
        return "[c] [c]"
    rate = 100 * linked["count"] / records["count"]
    if overall is None:
        return f"{math.floor(rate + 0.5)}% [x]"
    gap = math.floor(abs(rate - overall) + 0.5) * (1 if rate >= overall else -1)
    return f"{math.floor(rate + 0.5)}% {gap}"


def test_link_rates_and_gaps_only_from_published_counts(built, published) -> None:
    """Link rate = linked ÷ records and its gap from all records' rate (points), printed where both counts are
    published; [c] where either is withheld (some are). In the small council protect_council withholds all
    records' linked count (fewer than min_cell records unlinked), so the overall rate is [c] too."""
    text = section_text(built)
    total = admin(published, "all", "all", "admin_records")
    linked = admin(published, "all", "all", "admin_linked")
    assert total is not None and linked is not None
    overall = None if linked["suppressed"] or total["suppressed"] else 100 * linked["count"] / total["count"]
    whole = "[c] [c]" if overall is None else f"{math.floor(overall + 0.5)}% 0"
    assert f"All records {printed(total)} {printed(linked)} {whole}" in text
    withheld = 0
    for field, prefix in (("simd_quintile", "SIMD quintile"), ("sex", "Sex")):
        rows = published.linkage_quality.filter(
            (pl.col("instrument") == "any") & (pl.col("breakdown") == field)
        )
        for value in rows["breakdown_value"].unique().to_list():
            records, linked_row = (
                admin(published, field, value, m) for m in ("admin_records", "admin_linked")
            )
            label = next(f for f in FIELDS if f.breakdown == field).values.get(value, "Not recorded")
            cells = f"{printed(records)} {printed(linked_row)} {expected_rate(records, linked_row, overall)}"
            assert f"{prefix}: {label} {cells}" in text, (field, value)
            withheld += "[c]" in expected_rate(records, linked_row, overall)
    assert withheld > 0 and "Gap from all (points)" in text


def test_asn_reason_groups_print_their_published_values(tested_built, tested) -> None:
    """The PDF table by ASN reason group keeps the groups with a published value and prints them as published;
    every group, withheld ones too, is in the spreadsheet (the tested council: protect_council leaves some shown).
    """
    built, published = tested_built, tested
    text = section_text(built)
    assert "indicators by additional support need reason group" in text
    groups = published.estimates.filter(
        (pl.col("geography_level") == "council") & pl.col("breakdown").is_in(group_columns())
    )
    shown = groups.filter(~pl.col("suppressed"))
    assert shown.height > 0 and groups.filter(pl.col("suppressed")).height > 0
    labels = {f"asn_{g['id']}": g["label"] for g in asn_groups()}
    for breakdown in shown["breakdown"].unique().to_list():
        assert labels[breakdown] in text, breakdown
    for r in shown.filter(pl.col("unit") == "percent").iter_rows(named=True):
        assert format_value(r["value"], "percent") in text
    hidden_only = set(groups["breakdown"]) - set(shown["breakdown"])
    out, _ = built
    book = openpyxl.load_workbook(out / "council_report.xlsx")
    sheets = [ws for ws in book.worksheets if "ASN groups" in ws.title]
    assert sheets and all(ws.tables for ws in sheets)
    headers = {str(c.value) for ws in sheets for row in ws.iter_rows(max_row=6) for c in row if c.value}
    assert {labels[b] for b in hidden_only} <= headers


def test_when_every_asn_group_is_withheld_the_section_says_so(built, published) -> None:
    """In the small council protect_council withholds every council figure by ASN reason group: the PDF says so
    in a sentence per survey instead of a table of [c], and the spreadsheet still lists every group."""
    groups = published.estimates.filter(
        (pl.col("geography_level") == "council") & pl.col("breakdown").is_in(group_columns())
    )
    assert groups.height > 0 and groups["suppressed"].all()
    text = section_text(built)
    assert "indicators by additional support need reason group" not in text
    assert "every figure by ASN reason group is withheld to protect confidentiality [c]" in text
    out, _ = built
    book = openpyxl.load_workbook(out / "council_report.xlsx")
    sheets = [ws for ws in book.worksheets if "ASN groups" in ws.title]
    assert sheets and all(ws.tables for ws in sheets)
    labels = {f"asn_{g['id']}": g["label"] for g in asn_groups()}
    headers = {str(c.value) for ws in sheets for row in ws.iter_rows(max_row=6) for c in row if c.value}
    assert {labels[b] for b in groups["breakdown"].unique()} <= headers
