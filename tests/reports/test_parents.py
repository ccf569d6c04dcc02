"""The parent chapter read back from the rendered council report, the cluster report's parent figures and the
spreadsheet's parent sheets (issue 18). Fixtures: the small council of tests/reports/conftest.py, rendered
once with sentinels planted behind every withheld value."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl

from rcs_pipeline.reports.blocks import Findings, Paragraph
from rcs_pipeline.reports.build import BuildSummary
from rcs_pipeline.reports.catalogue import indicator_labels
from rcs_pipeline.reports.council import ReportSettings, council_sections
from rcs_pipeline.reports.formatting import format_count, format_interval, format_value
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.lookup import Comparisons, significant
from tests.reports.conftest import LA_CODE, SENTINEL_COUNT, SENTINEL_VALUE
from tests.reports.pdf_checks import claims, report_text

START = "Parents of children aged 0 to 8 Parents and carers of a sample of families"


def chapter(text: str) -> str:
    """The parent chapter's text (to the next chapter)."""
    start = text.index(START)
    return text[start : text.index("Cluster and school reports", start)]


def council_text(built: tuple[Path, BuildSummary]) -> str:
    """The council report's text without page furniture."""
    out, _ = built
    return report_text(out / "council_report.pdf")


def parent_rows(published: PublishedTables, level: str, code: str, breakdown: str = "all") -> pl.DataFrame:
    """Published parent estimates of one geography and breakdown."""
    return published.estimates.filter(
        pl.col("indicator_id").str.starts_with("par_")
        & (pl.col("geography_level") == level)
        & (pl.col("geography_code") == code)
        & (pl.col("breakdown") == breakdown)
    )


def test_response_interviews_as_published_and_no_rate(built, published) -> None:
    """Interviews achieved and linked are the published counts; the rate is [x] with the reason."""
    text = chapter(council_text(built))
    counts = published.linkage_quality.filter(
        (pl.col("instrument") == "parent") & (pl.col("breakdown") == "all")
    )
    found = dict(counts.select("measure", "count").iter_rows())
    assert f"{format_count(found['respondents'])} parents and carers were interviewed" in text
    assert f"Interviews achieved {format_count(found['respondents'])}" in text
    assert f"Linked to the child's council record {format_count(found['linked'])}" in text
    assert "Response rate [x]" in text and "No response rate can be given" in text


def test_each_indicator_with_interval_all_councils_and_base_parents(built, published) -> None:
    """Every shown parent indicator prints its value, interval, base and the all-councils figure in one row."""
    text = chapter(council_text(built))
    assert "Base (parents)" in text and "Base (pupils)" not in text
    labels = indicator_labels(published.estimates["indicator_id"].unique().to_list())
    comparator = {r["indicator_id"]: r for r in published.comparator.iter_rows(named=True)}
    rows = parent_rows(published, "council", LA_CODE).filter(~pl.col("suppressed"))
    assert rows.height >= 5
    counts = published.linkage_quality.filter(
        (pl.col("instrument") == "parent")
        & (pl.col("breakdown") == "all")
        & (pl.col("measure") == "respondents")
    )
    interviews = "[c]" if counts["suppressed"].item() else format_count(counts["count"].item())
    for r in rows.iter_rows(named=True):
        cells = [
            format_value(r["value"], r["unit"]),
            format_interval(r["ci_low"], r["ci_high"], r["unit"]),
            interviews,  # no estimate base is published: the base is the parents interviewed (disclosure.md §4)
            format_value(comparator[r["indicator_id"]]["value"], r["unit"]),
        ]
        row_text = re.escape(labels[r["indicator_id"]].label) + r"\s+" + r"\s+".join(map(re.escape, cells))
        assert re.search(row_text, text), (r["indicator_id"], cells)


def test_claims_are_significant_published_comparisons_only(built, published) -> None:
    """Every higher/lower and rose/fell sentence of the chapter is a significant published parent comparison."""
    text = chapter(council_text(built))
    labels = indicator_labels(published.estimates["indicator_id"].unique().to_list())
    found, changes = claims(text, labels)
    assert found or changes  # the sample's made-up tests find some clear parent differences
    tests = Comparisons(published.comparisons)
    for c in found:
        row = tests.get(
            "council_vs_rest_of_wave", "council", LA_CODE, c.indicator_id, "all", "all", "rest_of_wave"
        )
        assert significant(row) and row["direction"] == c.word, c
        assert c.a == format_value(row["estimate"], row["unit"])
    for c in changes:
        row = tests.get("wave_vs_wave", "council", LA_CODE, c.indicator_id, "all", "all", c.second)
        assert significant(row) and {"higher": "rose", "lower": "fell"}[row["direction"]] == c.word, c
    said = {c.indicator_id for c in found}
    rows = published.comparisons.filter(
        (pl.col("comparison") == "council_vs_rest_of_wave") & pl.col("indicator_id").str.starts_with("par_")
    )
    for row in rows.iter_rows(named=True):
        if not significant(row):
            assert row["indicator_id"] not in said


def test_breakdowns_by_age_sex_simd_urban_rural_and_need(built, published) -> None:
    """The age band, sex, SIMD and urban/rural groups and the need-by-service table carry published values."""
    text = chapter(council_text(built))
    for heading in ("Aged 0 to 2", "Aged 3 to 4", "Aged 5 to 8", "Girls", "Boys", "SIMD 1", "Urban", "Rural"):
        assert heading in text, heading
    assert "Services the family uses, by the child's difficulties as the parent reports them" in text
    need = parent_rows(published, "council", LA_CODE, "need_sdq_high").filter(
        pl.col("indicator_id").str.starts_with("par_used_")
    )
    shown = need.filter(~pl.col("suppressed"))
    assert shown.height > 0
    for r in shown.iter_rows(named=True):
        assert format_interval(r["ci_low"], r["ci_high"], r["unit"]) in text
    assert "[c]" in text


def test_no_withheld_value_in_the_chapter(built) -> None:
    """Sentinels planted behind withheld parent rows never print."""
    text = chapter(council_text(built))
    for sentinel in (
        f"{SENTINEL_VALUE:.1f}",
        str(int(SENTINEL_VALUE)),
        f"{SENTINEL_COUNT:,d}",
        str(SENTINEL_COUNT),
    ):
        assert sentinel not in text


def test_cluster_report_parent_figures_where_published(built, published) -> None:
    """A cluster report shows its published parent figures beside the council's, withheld ones as [c]."""
    out, summary = built
    cluster = next(r for r in summary.produced if r["kind"] == "cluster")
    text = report_text(out / cluster["pdf"])
    assert "Parents of children aged 0 to 8" in text and "Base (parents)" in text
    rows = parent_rows(published, "cluster", cluster["code"])
    for r in rows.filter(~pl.col("suppressed")).iter_rows(named=True):
        assert format_interval(r["ci_low"], r["ci_high"], r["unit"]) in text


def test_spreadsheet_carries_the_parent_tables(built) -> None:
    """The council spreadsheet has the parent tables as named Excel tables."""
    out, _ = built
    book = openpyxl.load_workbook(out / "council_report.xlsx")
    sheets = {ws.title: ws for ws in book.worksheets}
    for name in ("Parents interviews", "Parents age, sex", "Parents need and services"):
        match = [t for t in sheets if name in t]
        assert match, name
        assert sheets[match[0]].tables, f"{match[0]} has no named Excel table"


def test_no_parent_survey_says_so(published) -> None:
    """Without parent rows the chapter says none were published, with [x]."""
    quiet = replace(
        published,
        estimates=published.estimates.filter(~pl.col("indicator_id").str.starts_with("par_")),
    )
    sections, _ = council_sections(quiet, ReportSettings(), [])
    parents = next(s for s in sections if s.anchor == "parents")
    assert parents.blocks == [Paragraph("No parent survey results were published for this wave [x].")]


def test_test_columns_only_for_tests_made(published) -> None:
    """Without parent comparisons (as in real runs today) the parent table has no all-[x] test column."""
    untested = replace(
        published, comparisons=published.comparisons.filter(~pl.col("indicator_id").str.starts_with("par_"))
    )
    sections, _ = council_sections(untested, ReportSettings(), [])
    parents = next(s for s in sections if s.anchor == "parents")
    table = next(t for t in parents.tables() if t.caption == "Parent survey indicators")
    assert "Against other councils" not in table.columns and "Base (parents)" in table.columns
    assert any(
        "were not tested against the other councils" in f.text
        for b in parents.blocks
        if isinstance(b, Findings)
        for f in b.items
    )
    tested = next(s for s in council_sections(published, ReportSettings(), [])[0] if s.anchor == "parents")
    assert (
        "Against other councils"
        in next(t for t in tested.tables() if t.caption == "Parent survey indicators").columns
    )


def test_response_rate_from_the_published_parent_row(published) -> None:
    """With a published parent response row, the chapter prints families approached and the published rate."""
    row = {
        "geography_level": "council", "geography_code": LA_CODE, "instrument": "parent", "stage": "all",
        "sex": "all", "roll": 1200, "respondents": 300, "response_rate": 25.0, "suppressed": False, "reason": None,
    }  # fmt: skip
    rates = pl.concat([published.response_rates, pl.DataFrame([row], schema=published.response_rates.schema)])
    sections, _ = council_sections(replace(published, response_rates=rates), ReportSettings(), [])
    parents = next(s for s in sections if s.anchor == "parents")
    table = next(t for t in parents.tables() if t.caption == "Parent survey: interviews")
    cells = {label: c[0].text for label, c in table.rows}
    assert cells["Families approached"] == "1,200" and cells["Response rate"] == "25%"
    assert any(
        isinstance(b, Paragraph) and "25% of the families approached took part" in b.text
        for b in parents.blocks
    )
    about = next(s for s in sections if s.anchor == "about")
    assert all(
        "Parents" not in label for t in about.tables() for label, _ in t.rows
    )  # not beside pupil rolls


def test_cluster_parent_table_has_a_test_column_only_for_tests_made(published) -> None:
    """No area comparison of parents (as in real runs): the cluster's parent table has no all-[x] column."""
    from rcs_pipeline.reports.catalogue import indicator_labels as labels_of
    from rcs_pipeline.reports.lookup import Estimates
    from rcs_pipeline.reports.parents import parent_area_section
    from rcs_pipeline.reports.sections import Geography

    est = Estimates(published.estimates)
    code = published.schools["asg_code"][0]
    args = (est, Geography("cluster", code, "Cluster"), Geography("council", LA_CODE, "Council"))
    labels = labels_of(est.indicators)
    none = parent_area_section(*args, labels, lambda ident: None)
    assert none is not None and none.tables()[0].columns[-1] == "Council"
    some = parent_area_section(*args, labels, lambda ident: {"direction": "higher", "suppressed": False})
    assert some is not None and some.tables()[0].columns[-1] == "Against the rest of Council"
