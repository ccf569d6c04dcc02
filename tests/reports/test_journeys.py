"""The council report's journeys chapter, read back from rendered PDFs and spreadsheets.

Fixture: the report tests' sample council in 2017-18 with an earlier wave (tests/reports/sample_waves.py)
and a published_journeys table made by the real journey and disclosure code (rcs_pipeline.journeys) from
made-up children of the two waves.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from rcs_pipeline.reports.blocks import Findings, Paragraph
from rcs_pipeline.reports.build import BuildSummary, build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.formatting import format_count, format_value
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.journeys import ONE_WAVE_REASON, UNSTABLE_NOTE, journeys_section
from rcs_pipeline.reports.sample_tables import sample_published
from rcs_pipeline.reports.sections import Geography
from tests.reports.pdf_checks import report_text
from tests.reports.sample_waves import sample_journeys, with_earlier_waves

pytestmark = pytest.mark.xdist_group("reports")

WAVE, EARLIER, LA_CODE = "2017-18", "2015-16", "S12000005"
TITLE = "Journeys: the same children over time"
GEO = Geography("council", LA_CODE, "Clackmannanshire")


def council(journeys: pl.DataFrame | None = None, *, earlier: bool = True) -> PublishedTables:
    """The sample council in 2017-18, with its 2015-16 wave (and a journeys table) or alone in its first wave."""
    tables = sample_published(WAVE, LA_CODE, n_clusters=1, seed=3, per_domain=1)
    if earlier:
        tables, _ = with_earlier_waves(tables, [EARLIER])
    return replace(tables, journeys=journeys) if journeys is not None else tables


def render(tables: PublishedTables, out: Path) -> tuple[str, Path]:
    """The council report's text and its spreadsheet."""
    summary: BuildSummary = build_reports(tables, out, ReportSettings(), kinds=("council",))
    entry = summary.produced[0]
    return report_text(out / entry["pdf"]), out / entry["xlsx"]


def row(journeys: pl.DataFrame, table: str, **keys: str) -> dict:
    """The one published row of a journey table with these keys."""
    frame = journeys.filter(pl.col("journey_table") == table)
    for key, value in keys.items():
        frame = frame.filter(pl.col(key) == value)
    assert frame.height == 1, (table, keys)
    return frame.row(0, named=True)


@pytest.fixture(scope="module")
def with_journeys(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, pl.DataFrame]:
    """A two-wave council whose pupil references change at the move to secondary school, rendered once."""
    journeys = sample_journeys(EARLIER, WAVE, stable=False, pupils=3000)
    text, xlsx = render(council(journeys), tmp_path_factory.mktemp("journeys"))
    return text, xlsx, journeys


def test_two_wave_council_has_the_journeys_chapter_with_its_published_figures(with_journeys):
    """The chapter, its headline in the published numbers, each journey table, and rows as published."""
    text, _, journeys = with_journeys
    assert TITLE in text and f"From {EARLIER} to {WAVE}" in text
    uptake = row(journeys, "service_uptake", measure="service_any")
    assert (
        f"Of {format_count(uptake['n'])} children linked in both waves who had a high level of need and no service "
        f"in {EARLIER}, {format_count(uptake['count'])} ({format_value(uptake['estimate'], 'percent')}) had a "
        f"service recorded by {WAVE}." in text
    )
    for caption in (
        f"Children with high need and no service in {EARLIER}: a service by {WAVE}",
        f"High need in {EARLIER} and in {WAVE}: children who gained a service, and children with none",
        f"Change in wellbeing scores from {EARLIER} to {WAVE}: the same children, and all respondents",
        f"Children followed from {EARLIER} to {WAVE}, by group",
    ):
        assert caption in text
    chapter = text[text.index(TITLE) :]
    moved = row(journeys, "link_rate", breakdown="transition", breakdown_value="primary_to_secondary")
    printed = " ".join(
        [
            format_count(moved["n"]),
            format_count(moved["count"]),
            format_value(moved["estimate"], "percent"),
            f"{moved['ci_low']:.0f} to {moved['ci_high']:.0f}",
            format_value(moved["reference_estimate"], "percent"),
        ]
    )
    assert f"Moved from primary to secondary school {printed}" in chapter
    within = row(journeys, "wellbeing_change", measure="wemwbs", outcome="within_child")
    cross = row(journeys, "wellbeing_change", measure="wemwbs", outcome="cross_sectional")
    assert (
        f"Mental wellbeing (WEMWBS, 14 to 70; higher is better) {within['estimate']:.1f} "
        f"{within['ci_low']:.1f} to {within['ci_high']:.1f} {format_count(within['n'])} {cross['estimate']:.1f}"
    ) in chapter


def test_unstable_pupil_references_are_said_plainly_with_what_a_stable_one_would_give(with_journeys):
    """pupil_ref_stable false prints the note once, with the published follow-up rates of children who moved
    and who stayed; a stable table prints no note."""
    text, _, journeys = with_journeys
    assert text.count(UNSTABLE_NOTE.split(":")[0]) == 1
    moved = row(journeys, "link_rate", breakdown="transition", breakdown_value="primary_to_secondary")
    stayed = row(journeys, "link_rate", breakdown="transition", breakdown_value="same_sector")
    assert (
        f"{format_value(moved['estimate'], 'percent')} of the children who had moved to secondary school were "
        f"followed, against {format_value(stayed['estimate'], 'percent')} of those who stayed" in text
    )
    stable = journeys_section(council(sample_journeys(EARLIER, WAVE, pupils=3000)), GEO)
    assert stable is not None
    assert not [
        b for b in stable.blocks if isinstance(b, Paragraph) and b.text.startswith(UNSTABLE_NOTE[:40])
    ]


def test_withheld_journey_figures_print_c_and_their_published_bases_stay():
    """A small council's journeys (service uptake withheld by the disclosure code): [c] in place of the count,
    per cent and interval, the published base printed, and no headline sentence."""
    journeys = sample_journeys(EARLIER, WAVE, stable=False, pupils=900)
    uptake = journeys.filter(pl.col("journey_table") == "service_uptake")
    assert uptake["suppressed"].all() and uptake["n"].is_not_null().all()
    section = journeys_section(council(journeys), GEO)
    assert section is not None
    table = next(t for t in section.tables() if t.sheet == "Journeys service uptake")
    for _, cells in table.rows:
        assert [c.text for c in cells] == [format_count(uptake["n"][0]), "[c]", "[c]", "[c]"]
    assert not [b for b in section.blocks if isinstance(b, Findings)]


def test_spreadsheet_carries_the_journeys_tables_as_named_tables(with_journeys):
    """Each journeys table is its own sheet whose header row is a named Excel table; rows as published."""
    _, xlsx, journeys = with_journeys
    book = openpyxl.load_workbook(xlsx)
    sheets = [ws for ws in book.worksheets if " Journeys " in f" {ws.title.split(' ', 1)[-1]} "]
    assert len(sheets) == 4
    for ws in sheets:
        assert ws.tables, ws.title
        (table,) = ws.tables.values()
        assert table.ref.startswith("A4")
    link = next(ws for ws in sheets if ws.title.endswith("Journeys link rate"))
    rows = list(link.iter_rows(min_row=5, values_only=True))
    links = journeys.filter(pl.col("journey_table") == "link_rate")
    assert len(rows) == links.height
    overall = row(journeys, "link_rate", breakdown="all")
    assert rows[0] == (
        "All respondents",
        overall["n"],
        overall["count"],
        round(overall["estimate"]),
        f"{overall['ci_low']:.0f} to {overall['ci_high']:.0f}",
        "[z]",
    )


def test_a_two_wave_council_without_a_journeys_table_says_so():
    """No published journeys for the wave: the chapter says so with [x] and shows no table."""
    section = journeys_section(council(), GEO)
    assert section is not None and not section.tables()
    assert Paragraph(f"No journeys table was published for Clackmannanshire in {WAVE} [x].") in section.blocks


def test_a_one_wave_council_has_no_journeys_chapter_and_says_why(tmp_path: Path):
    """A council in its first wave: no journeys chapter in the PDF, one line saying why, no journeys sheet."""
    text, xlsx = render(council(sample_journeys(EARLIER, WAVE), earlier=False), tmp_path)
    assert TITLE not in text
    assert text.count(ONE_WAVE_REASON) == 1
    assert f"Clackmannanshire has published figures for {WAVE} only" in text
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert not [n for n in book.sheetnames if "Journeys" in n]
