"""Building a council's reports: reproducible bytes, skipping unchanged inputs, which areas get a report."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from rcs_pipeline.reports.area import plan_areas
from rcs_pipeline.reports.build import build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.inputs import PublishedTables

pytestmark = pytest.mark.xdist_group("reports")


def one_school(tables: PublishedTables) -> PublishedTables:
    """The tables cut down to the council report and one school report (quick to render twice)."""
    school = tables.schools.filter(pl.col("sector") == "Secondary").head(1)
    return replace(tables, schools=school)


def test_same_inputs_give_byte_identical_pdfs_and_spreadsheets(published, tmp_path):
    """Two renders of the same tables, in different folders and processes, give the same bytes."""
    tables = one_school(published)
    settings = ReportSettings(run_id="same-run")
    first = build_reports(tables, tmp_path / "a", settings, workers=1, kinds=("school",))
    second = build_reports(tables, tmp_path / "b", settings, workers=1, kinds=("school",))
    assert first.rendered and first.rendered == second.rendered
    for entry in first.produced:
        for key in ("pdf", "xlsx"):
            assert (tmp_path / "a" / entry[key]).read_bytes() == (tmp_path / "b" / entry[key]).read_bytes()


def test_unchanged_inputs_are_not_rendered_again_and_changed_ones_are(published, tmp_path):
    """A second build skips every report; changing one school's figure re-renders only that school."""
    tables = one_school(published)
    seed_code = tables.schools["seed_code"][0]
    settings = ReportSettings()
    first = build_reports(tables, tmp_path, settings, workers=1, kinds=("school",))
    assert first.rendered == [f"school:{seed_code}"]
    again = build_reports(tables, tmp_path, settings, workers=1, kinds=("school",))
    assert again.rendered == [] and again.unchanged == [f"school:{seed_code}"]
    touched = tables.estimates.with_columns(
        pl.when((pl.col("geography_code") == "S12000005") & (pl.col("breakdown") == "sex"))
        .then(pl.col("value") + 1)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    council_only = build_reports(
        replace(tables, estimates=touched), tmp_path, settings, workers=1, kinds=("school",)
    )
    assert council_only.rendered == []  # a school report does not use the council's breakdowns
    changed = tables.estimates.with_columns(
        pl.when(
            (pl.col("geography_code") == seed_code) & (pl.col("breakdown") == "all") & ~pl.col("suppressed")
        )
        .then(pl.col("value") + 1)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    redo = build_reports(replace(tables, estimates=changed), tmp_path, settings, workers=1, kinds=("school",))
    assert redo.rendered == [f"school:{seed_code}"]


def test_areas_below_min_group_get_no_report_and_a_reason(published):
    """A school under min_group is listed with the reason; one withheld only by secondary suppression is not."""
    outcomes = {o.code: o for o in plan_areas(published, min_group=20)}
    rates = published.response_rates.filter(
        (pl.col("geography_level") == "school")
        & (pl.col("stage") == "all")
        & (pl.col("sex") == "all")
        & (pl.col("instrument") != "parent")
    )
    for code, rows in rates.group_by("geography_code"):
        outcome = outcomes[code[0]]
        small = all(r["reason"] == "min_group" for r in rows.iter_rows(named=True))
        if small:
            assert not outcome.produced and "fewer than 20" in outcome.reason
        else:
            assert "fewer than" not in outcome.reason
    stricter = {o.code: o for o in plan_areas(published, min_group=10_000)}
    assert not any(o.produced for o in stricter.values())


def test_area_withheld_only_by_secondary_suppression_still_reaches_min_group():
    """Worked by hand: A's totals are hidden as `secondary` (so ≥ 20 answered), B's as `min_group`, C's shown."""
    from rcs_pipeline.reports.area import area_respondents

    rows = [
        ("A", "all", None, True, "secondary"),
        ("A", "primary", None, True, "secondary"),
        ("B", "all", None, True, "min_group"),
        ("B", "primary", None, True, "min_group"),
        ("C", "all", 57, False, None),
        ("C", "primary", 40, False, None),
        ("C", "secondary", 17, True, "min_group"),
    ]
    rates = pl.DataFrame(
        rows, schema=["geography_code", "instrument", "respondents", "suppressed", "reason"], orient="row"
    ).with_columns(geography_level=pl.lit("cluster"), stage=pl.lit("all"), sex=pl.lit("all"))
    assert area_respondents(rates, "cluster", 20) == {"A": (None, True), "B": (None, False), "C": (57, True)}


def test_council_report_with_charts_drawn_in_worker_processes_is_the_same_report(published, tmp_path):
    """A lone council report draws its charts in the worker pool; the PDF is byte for byte the in-process one."""
    settings = ReportSettings(run_id="same-run")
    alone = build_reports(published, tmp_path / "alone", settings, workers=1, kinds=("council",))
    pooled = build_reports(published, tmp_path / "pooled", settings, workers=2, kinds=("council",))
    assert alone.rendered == pooled.rendered == ["council:S12000005"]
    (entry,) = [e for e in pooled.produced if e["kind"] == "council"]
    pdf = (tmp_path / "pooled" / entry["pdf"]).read_bytes()
    assert pdf.count(b"/Subtype /Image") >= 5  # the charts are in it, not placeholders
    assert pdf == (tmp_path / "alone" / entry["pdf"]).read_bytes()
