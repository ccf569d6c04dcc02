"""Trends read back from rendered reports: every wave an area has, as a series chart and a table, and a change
said only where the published wave_vs_wave test is significant.

Fixture: the report tests' sample council (rcs_pipeline/reports/sample_tables.py) in 2017-18, plus an earlier
wave 2015-16 made from it (tests/reports/sample_waves.py) with two planted rises and three planted
school changes (one school new in 2017-18, one closed after 2015-16, one re-coded).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pypdf
import pytest

from assets.defs.reports.pools import RENDER_POOLS
from rcs_pipeline.reports.blocks import Findings, Paragraph
from rcs_pipeline.reports.build import BuildSummary, build_reports
from rcs_pipeline.reports.catalogue import indicator_labels
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.formatting import format_interval, format_value
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.lookup import Comparisons
from rcs_pipeline.reports.sample_tables import sample_published
from rcs_pipeline.reports.trends import change_cell
from tests.reports.pdf_checks import claims, report_text
from tests.reports.sample_waves import SchoolChanges, with_earlier_waves
from tests.reports.test_outputs import structure_tags

pytestmark = pytest.mark.xdist_group("reports")

WAVE, EARLIER, LA_CODE = "2017-18", "2015-16", "S12000005"
PLANTED = {"sec_happy_at_school": 25.0, "pri_trusted_adult": 25.0}
"""Planted rises (percentage points since 2015-16) in every area."""


def two_wave_council(planted: dict[str, float]) -> tuple[PublishedTables, SchoolChanges]:
    """The sample council of two clusters in 2017-18 with its 2015-16 wave."""
    tables = sample_published(WAVE, LA_CODE, n_clusters=2, seed=2, per_domain=1)
    return with_earlier_waves(tables, [EARLIER], planted=planted)


@pytest.fixture(scope="module")
def two_waves(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, BuildSummary, PublishedTables, SchoolChanges]:
    """Every report of the two-wave council rendered once."""
    tables, changes = two_wave_council(PLANTED)
    out = tmp_path_factory.mktemp("two_waves")
    return out, build_reports(tables, out, ReportSettings(), pool=RENDER_POOLS.get(2)), tables, changes


def change_claims(text: str, labels: dict) -> list:
    """The rose/fell sentences of a report (sentences saying that nothing rose or fell clearly set aside)."""
    return claims(text.replace("rose or fell clearly", "changed clearly"), labels)[1]


def alt_texts(pdf: Path) -> list[str]:
    """The alt text of every figure of a PDF."""
    root = pypdf.PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"]
    return [alt for tag, alt in structure_tags(root) if alt]


def sheet_rows(xlsx: Path, prefix: str) -> dict[str, list[tuple]]:
    """Rows (header row first) of each spreadsheet sheet whose name, after its number, starts with `prefix`."""
    book = openpyxl.load_workbook(xlsx, read_only=True)
    return {
        ws.title: list(ws.iter_rows(min_row=4, values_only=True))
        for ws in book.worksheets
        if ws.title.split(" ", 1)[-1].startswith(prefix)
    }


def with_two_waves(summary: BuildSummary, tables: PublishedTables) -> list[dict]:
    """The produced reports whose area has published figures in both waves."""
    history = tables.history.filter(pl.col("breakdown") == "all")
    areas = set(zip(history["geography_level"], history["geography_code"], strict=True))
    return [e for e in summary.produced if (e["kind"], e["code"]) in areas]


def test_each_kind_of_report_shows_the_series_table_and_chart(two_waves):
    """Council, cluster and school reports with two waves have the chapter, a series chart per survey whose alt
    text gives each wave's published value, and the series table in PDF and spreadsheet."""
    out, summary, tables, _ = two_waves
    entries = with_two_waves(summary, tables)
    assert {e["kind"] for e in entries} == {"council", "cluster", "school"}
    for entry in entries:
        text = report_text(out / entry["pdf"])
        assert "Change over time" in text and f"every wave it has ({EARLIER}, {WAVE})" in text, entry["pdf"]
        assert f"Change since {EARLIER}" in text
        series = [a for a in alt_texts(out / entry["pdf"]) if f"{entry['name']} by wave" in a]
        assert series, entry["pdf"]
        assert all(EARLIER in a and WAVE in a for a in series)
        sheets = sheet_rows(out / entry["xlsx"], "Trend")
        assert sheets, entry["xlsx"]
        for rows in sheets.values():
            assert rows[0][:5] == (
                "Indicator",
                EARLIER,
                f"{EARLIER} 95% confidence interval",
                WAVE,
                f"{WAVE} 95% confidence interval",
            )
            assert rows[0][-1] == f"Change since {EARLIER}"


def test_series_tables_print_each_wave_as_published_and_each_change_as_tested(two_waves):
    """Every cell of every trend sheet is the published value (or [c]/[x]) of its wave, and the change column
    is what the published wave_vs_wave comparison says."""
    out, summary, tables, _ = two_waves
    labels = indicator_labels(tables.estimates["indicator_id"].unique().to_list())
    comps = Comparisons(tables.comparisons)
    frames = {EARLIER: tables.history.drop("wave"), WAVE: tables.estimates}
    index = {
        (w, r["geography_level"], r["geography_code"], r["indicator_id"]): r
        for w, f in frames.items()
        for r in f.filter(pl.col("breakdown") == "all").iter_rows(named=True)
    }
    checked, withheld = 0, 0
    for entry in with_two_waves(summary, tables):
        for name, rows in sheet_rows(out / entry["xlsx"], "Trend").items():
            instrument = name.rsplit(" ", 1)[1]
            by_label = {lab.label: i for i, lab in labels.items() if lab.instrument == instrument}
            for values in rows[1:]:
                ident = by_label[values[0]]
                for k, wave in enumerate((EARLIER, WAVE)):
                    row = index.get((wave, entry["kind"], entry["code"], ident))
                    shown, interval = str(values[1 + 2 * k]), str(values[2 + 2 * k])
                    if row is None:
                        assert shown == interval == "[x]"
                    elif row["suppressed"]:
                        assert shown == interval == "[c]"
                        withheld += 1
                    else:
                        printed = format_value(row["value"], row["unit"])
                        assert float(shown) == float(printed.removesuffix("%"))
                        assert interval == format_interval(row["ci_low"], row["ci_high"], row["unit"])
                change = comps.get("wave_vs_wave", entry["kind"], entry["code"], ident, "all", "all", EARLIER)
                assert values[-1] == change_cell(change).text
                checked += 1
    assert checked > 50 and withheld > 0


def test_every_rose_or_fell_is_a_significant_published_change_and_every_one_is_said(two_waves):
    """Each 'rose/fell' sentence of every report is the significant wave_vs_wave row of its own area (direction
    and both published values); each significant row of an area is said in its report; the planted rises are
    found and said as rises."""
    out, summary, tables, _ = two_waves
    labels = indicator_labels(tables.estimates["indicator_id"].unique().to_list())
    comps = Comparisons(tables.comparisons)
    said_planted = set()
    for entry in summary.produced:
        text = report_text(out / entry["pdf"])
        changes = change_claims(text, labels)
        said = set()
        for change in changes:
            row = comps.get(
                "wave_vs_wave", entry["kind"], entry["code"], change.indicator_id, "all", "all", change.second
            )
            assert row is not None and not row["suppressed"], (entry["pdf"], change)
            assert row["direction"] == ("higher" if change.word == "rose" else "lower"), (
                entry["pdf"],
                change,
            )
            assert change.a == format_value(row["estimate"], row["unit"])
            assert change.b == format_value(row["reference_estimate"], row["unit"])
            said.add(change.indicator_id)
            if change.indicator_id in PLANTED and change.word == "rose":
                said_planted.add((entry["kind"], change.indicator_id))
        significant = {
            r["indicator_id"]
            for r in tables.comparisons.iter_rows(named=True)
            if (r["comparison"], r["geography_level"], r["geography_code"])
            == ("wave_vs_wave", entry["kind"], entry["code"])
            and r["direction"] in ("higher", "lower")
            and not r["suppressed"]
        }
        assert said == significant, entry["pdf"]
    assert {("council", i) for i in PLANTED} <= said_planted
    assert {k for k, _ in said_planted} == {"council", "cluster", "school"}


def test_without_a_planted_change_no_report_says_rose_or_fell(tmp_path: Path):
    """Under no planted change the tests find none, and the council report says so in plain words."""
    tables, _ = two_wave_council({})
    significant = tables.comparisons.filter(
        (pl.col("comparison") == "wave_vs_wave") & pl.col("direction").is_in(["higher", "lower"])
    )
    assert significant.is_empty()
    summary = build_reports(tables, tmp_path, ReportSettings(), kinds=("council",))
    text = report_text(tmp_path / summary.produced[0]["pdf"])
    changes = change_claims(text, indicator_labels(tables.estimates["indicator_id"].unique().to_list()))
    assert not changes
    assert f"No indicator changed clearly between {EARLIER} and {WAVE} in Clackmannanshire." in text


def test_schools_that_changed_between_waves_are_explained(two_waves):
    """A school new in this wave, a re-coded school and a cluster that lost a school each say so; the council
    notes that its list of schools changed."""
    out, summary, _, changes = two_waves
    by_code = {(e["kind"], e["code"]): e for e in summary.produced}
    council = report_text(out / by_code[("council", LA_CODE)]["pdf"])
    assert (
        f"The council's list of schools changed between {EARLIER} and {WAVE}: 2 schools are new and 2 no longer"
        in council
    )
    opened = by_code[("school", changes.opened)]
    text = report_text(out / opened["pdf"])
    assert f"{opened['name']} has published figures for {WAVE} only" in text
    assert f"was not in the council's list of schools in {EARLIER}" in text
    assert f"Change since {EARLIER}" not in text  # no series table for a single wave
    recoded = by_code[("school", changes.recoded)]
    text = report_text(out / recoded["pdf"])
    assert (
        f"In {EARLIER} a school named {recoded['name']} was listed under another code ({changes.old_code})"
        in text
    )
    cluster = next(e for e in summary.produced if e["kind"] == "cluster" and e["code"].endswith("01"))
    text = report_text(out / cluster["pdf"])
    assert f"The schools of {cluster['name']} changed since {EARLIER}:" in text
    assert f"{changes.closed_name} left; {recoded['name']} took a new code." in text


def test_change_cell_says_only_what_the_published_test_says():
    """Rose/Fell only for a significant shown row; no clear change; untested, withheld and absent rows."""
    base = {"suppressed": False, "estimate": 0.5, "reference_estimate": 0.4, "test_status": None}
    assert change_cell({**base, "direction": "higher"}).text == "Rose"
    assert change_cell({**base, "direction": "lower"}).text == "Fell"
    assert change_cell({**base, "direction": "no clear difference"}).text == "No clear change"
    assert change_cell({**base, "direction": None, "test_status": "small_base"}).text == "Not tested"
    assert change_cell({**base, "direction": None, "test_status": "not_published"}).text == "[x]"
    assert change_cell({**base, "direction": "higher", "suppressed": True}).text == "[c]"
    assert change_cell(None).text == "[x]"


def test_earlier_waves_are_read_from_their_published_tables_only(tmp_path: Path):
    """load_published takes every earlier wave's estimates from published_estimates (never the unsuppressed
    analysis estimates beside them), every earlier wave's school names from landing, and published_journeys."""
    from rcs_pipeline.paths import RcsHome
    from rcs_pipeline.reports.inputs import load_published
    from rcs_pipeline.storage import write_parquet_atomic
    from tests.reports.sample_waves import sample_journeys

    tables, _ = two_wave_council({})
    home = RcsHome(tmp_path)
    earlier = tables.history.drop("wave")
    for wave, frame in ((EARLIER, earlier), (WAVE, tables.estimates), ("2013-14", earlier.clear())):
        write_parquet_atomic(frame, home.table("published", "published_estimates", wave, LA_CODE))
    leaked = earlier.with_columns(value=pl.lit(99999.0), suppressed=pl.lit(False))
    write_parquet_atomic(leaked, home.table("analysis", "estimates", EARLIER, LA_CODE))
    write_parquet_atomic(earlier, home.table("published", "published_estimates", "2019-20", LA_CODE))
    schools = tables.history_schools.drop("wave")
    write_parquet_atomic(schools, home.table("landing", "schools", EARLIER, LA_CODE))
    write_parquet_atomic(tables.schools, home.table("landing", "schools", WAVE, LA_CODE))
    journeys = sample_journeys(EARLIER, WAVE)
    write_parquet_atomic(journeys, home.table("published", "published_journeys", WAVE, LA_CODE))
    loaded = load_published(home, WAVE, LA_CODE)
    assert set(loaded.history["wave"]) == {EARLIER}  # 2013-14 published nothing; 2019-20 is later
    assert loaded.history.filter(pl.col("wave") == EARLIER).drop("wave").equals(earlier)
    assert 99999.0 not in loaded.history["value"].to_list()
    assert loaded.history_schools.filter(pl.col("wave") == EARLIER).drop("wave").equals(schools)
    assert loaded.journeys.equals(journeys)
    assert loaded.previous_wave == EARLIER


def test_report_assets_depend_on_every_earlier_wave_of_their_council():
    """A corrected earlier wave's published estimates or school list makes the later waves' reports stale."""
    from assets.defs.reports.assets import cluster_reports, council_report, school_reports
    from assets.partitions import SameAndEarlierWavesOfCouncil

    for asset in (council_report, cluster_reports, school_reports):
        mappings = {
            dep.asset_key.path[-1]: dep.partition_mapping for dep in asset.specs_by_key[asset.key].deps
        }
        assert isinstance(mappings["published_estimates"], SameAndEarlierWavesOfCouncil)
        assert isinstance(mappings["schools"], SameAndEarlierWavesOfCouncil)
        assert mappings["published_comparisons"] is None


def test_three_waves_give_one_series_and_a_change_column_per_earlier_wave():
    """With 2013-14 and 2015-16 before 2017-18: three waves in every series (table, chart alt text), a change
    column and a findings heading for each earlier wave, each cell what its own published test says."""
    from rcs_pipeline.reports.sections import Geography
    from rcs_pipeline.reports.trends import trend_section

    tables = sample_published(WAVE, LA_CODE, n_clusters=1, seed=2, per_domain=1)
    tables, _ = with_earlier_waves(tables, ["2013-14", EARLIER], planted=PLANTED)
    geo = Geography("council", LA_CODE, "Clackmannanshire")
    section = trend_section(tables, geo)
    waves = ["2013-14", EARLIER, WAVE]
    table = section.tables()[0]
    assert table.columns[1::2][:3] == waves
    assert table.columns[-2:] == ["Change since 2013-14", f"Change since {EARLIER}"]
    comps = Comparisons(tables.comparisons)
    labels = indicator_labels(tables.estimates["indicator_id"].unique().to_list())
    by_label = {labels[i].label: i for i in labels if labels[i].instrument == "secondary"}
    for label, cells in table.rows:
        for earlier, cell in zip(("2013-14", EARLIER), cells[-2:], strict=True):
            expected = change_cell(
                comps.get("wave_vs_wave", "council", LA_CODE, by_label[label], "all", "all", earlier)
            )
            assert cell.text == expected.text
    headings = [f.heading for b in section.blocks if isinstance(b, Findings) for f in b.items]
    assert set(headings) == {"Change since 2013-14", f"Change since {EARLIER}"}
    alts = [c.alt for c in section.charts()]
    assert alts and all(all(w in a for w in waves) for a in alts)


def test_a_renamed_school_and_a_merged_cluster_are_explained():
    """Same code under an old name: the series is joined and the old name said. A cluster code new in this wave
    whose schools were in other clusters before: its series starts now and the earlier clusters are named."""
    from rcs_pipeline.reports.area import area_tables
    from rcs_pipeline.reports.sections import Geography
    from rcs_pipeline.reports.trends import trend_section

    tables, _ = two_wave_council({})
    academy = tables.schools.filter(pl.col("sector") == "Secondary").row(0, named=True)
    renamed = tables.history_schools.with_columns(
        school_name=pl.when(pl.col("seed_code") == academy["seed_code"])
        .then(pl.lit("Old Academy"))
        .otherwise(pl.col("school_name"))
    )
    tables = replace(tables, history_schools=renamed)
    school = Geography("school", academy["seed_code"], academy["school_name"])
    text = " ".join(
        b.text
        for b in trend_section(area_tables(tables, "school", school.code), school).blocks
        if isinstance(b, Paragraph)
    )
    assert (
        f"In {EARLIER} {academy['school_name']} was listed as Old Academy; its figures under that name"
        in text
    )
    assert f"every wave it has ({EARLIER}, {WAVE})" in text
    merged = tables.schools.with_columns(asg_code=pl.lit("0599"), asg_name=pl.lit("Merged ASG"))
    history = tables.history.filter(pl.col("geography_level") != "cluster")
    tables = replace(tables, schools=merged, history=history)
    cluster = Geography("cluster", "0599", "Merged ASG")
    text = " ".join(
        b.text
        for b in trend_section(area_tables(tables, "cluster", "0599"), cluster).blocks
        if isinstance(b, Paragraph)
    )
    assert f"Merged ASG has published figures for {WAVE} only" in text
    assert f"In {EARLIER} its schools were in Cluster 1 ASG and Cluster 2 ASG." in text
