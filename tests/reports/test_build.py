"""Building a council's reports: reproducible bytes, skipping unchanged inputs, which areas get a report."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace

import polars as pl
import pytest

from assets.defs.reports.pools import RENDER_POOLS
from rcs_pipeline.reports.area import plan_areas
from rcs_pipeline.reports.build import build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.render import garbage_collected_after

pytestmark = pytest.mark.xdist_group("reports")


def one_school(tables: PublishedTables) -> PublishedTables:
    """The tables cut down to the council report and one school report (quick to render twice)."""
    school = tables.schools.filter(pl.col("sector") == "Secondary").head(1)
    return replace(tables, schools=school)


def test_same_inputs_give_byte_identical_pdfs_and_spreadsheets(published, tmp_path):
    """Two renders of the same tables, in different folders and processes, give the same bytes."""
    tables = one_school(published)
    settings = ReportSettings(run_id="same-run")
    first = build_reports(tables, tmp_path / "a", settings, kinds=("school",))
    second = build_reports(tables, tmp_path / "b", settings, kinds=("school",))
    assert first.rendered and first.rendered == second.rendered
    for entry in first.produced:
        for key in ("pdf", "xlsx"):
            assert (tmp_path / "a" / entry[key]).read_bytes() == (tmp_path / "b" / entry[key]).read_bytes()


def test_unchanged_inputs_are_not_rendered_again_and_changed_ones_are(published, tmp_path):
    """A second build skips every report; changing one school's figure re-renders only that school."""
    tables = one_school(published)
    seed_code = tables.schools["seed_code"][0]
    settings = ReportSettings()
    first = build_reports(tables, tmp_path, settings, kinds=("school",))
    assert first.rendered == [f"school:{seed_code}"]
    again = build_reports(tables, tmp_path, settings, kinds=("school",))
    assert again.rendered == [] and again.unchanged == [f"school:{seed_code}"]
    touched = tables.estimates.with_columns(
        pl.when((pl.col("geography_code") == "S12000005") & (pl.col("breakdown") == "sex"))
        .then(pl.col("value") + 1)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    council_only = build_reports(replace(tables, estimates=touched), tmp_path, settings, kinds=("school",))
    assert council_only.rendered == []  # a school report does not use the council's breakdowns
    changed = tables.estimates.with_columns(
        pl.when(
            (pl.col("geography_code") == seed_code) & (pl.col("breakdown") == "all") & ~pl.col("suppressed")
        )
        .then(pl.col("value") + 1)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    redo = build_reports(replace(tables, estimates=changed), tmp_path, settings, kinds=("school",))
    assert redo.rendered == [f"school:{seed_code}"]


def test_an_area_gets_a_report_exactly_when_one_of_its_estimates_is_published(published):
    """Report or not is a fact of the published estimates; every area without one gets the same reason."""
    from rcs_pipeline.reports.area import not_produced_reason

    outcomes = plan_areas(published, min_group=20)
    shown = published.estimates.filter(~pl.col("suppressed") & pl.col("value").is_not_null())
    with_figures = set(zip(shown["geography_level"], shown["geography_code"], strict=True))
    assert {(o.level, o.code) for o in outcomes if o.produced} == {
        (o.level, o.code) for o in outcomes if (o.level, o.code) in with_figures
    }
    assert any(o.produced for o in outcomes) and any(not o.produced for o in outcomes)
    assert {o.reason for o in outcomes if not o.produced} == {not_produced_reason(20)}


def test_area_respondents_are_the_published_totals_only():
    """Worked by hand: A's totals are withheld (None, whatever the reason), C's shown (57)."""
    from rcs_pipeline.reports.area import area_respondents

    rows = [
        ("A", "all", None, True),
        ("A", "primary", None, True),
        ("C", "all", 57, False),
        ("C", "primary", 40, False),
        ("C", "secondary", None, True),
    ]
    rates = pl.DataFrame(
        rows, schema=["geography_code", "instrument", "respondents", "suppressed"], orient="row"
    ).with_columns(geography_level=pl.lit("cluster"), stage=pl.lit("all"), sex=pl.lit("all"))
    assert area_respondents(rates, "cluster") == {"A": None, "C": 57}


def test_council_report_with_charts_drawn_in_worker_processes_is_the_same_report(published, tmp_path):
    """A lone council report draws its charts in the worker pool; the PDF is byte for byte the in-process one."""
    settings = ReportSettings(run_id="same-run")
    alone = build_reports(published, tmp_path / "alone", settings, kinds=("council",))
    pooled = build_reports(
        published, tmp_path / "pooled", settings, pool=RENDER_POOLS.get(2), kinds=("council",)
    )
    assert alone.rendered == pooled.rendered == ["council:S12000005"]
    (entry,) = [e for e in pooled.produced if e["kind"] == "council"]
    pdf = (tmp_path / "pooled" / entry["pdf"]).read_bytes()
    assert pdf.count(b"/Subtype /Image") >= 5  # the charts are in it, not placeholders
    assert pdf == (tmp_path / "alone" / entry["pdf"]).read_bytes()


def test_a_report_renders_with_the_collector_paused_and_its_cycles_collected_after():
    """Inside a report's render the cyclic collector is paused; leaving it collects the cycles and resumes it."""

    class Box:
        """A layout box that points back at its parent, as WeasyPrint's do."""

    with garbage_collected_after():
        assert not gc.isenabled()
        parent, child = Box(), Box()
        parent.child, child.parent = child, parent
        kept = weakref.ref(parent)
        del parent, child
        assert kept() is not None  # paused: the cycle is still in memory
    assert gc.isenabled() and kept() is None


def test_render_workers_freeze_what_they_load_and_an_in_process_build_leaves_the_collector_on(
    published, tmp_path
):
    """A render worker moves its imports, fonts and stylesheet out of the collector's sight once warmed up;
    rendering in this process (the council report's way) leaves the collector as it found it."""
    assert RENDER_POOLS.get(2).submit(gc.get_freeze_count).result() > 10_000
    build_reports(one_school(published), tmp_path, ReportSettings(run_id="r"), kinds=("school",))
    assert gc.isenabled()
