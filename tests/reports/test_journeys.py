"""The council report's journeys chapter, read back from rendered PDFs and spreadsheets.

Fixture: the report tests' sample council in 2017-18 with an earlier wave (rcs_pipeline/reports/sample_waves.py)
and a hand-made published_journeys table of the columns docs/methods/journeys.md gives.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from rcs_pipeline.reports.build import BuildSummary, build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.formatting import format_count, format_value
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.journeys import ONE_WAVE_REASON, UNSTABLE_NOTE, journeys_section
from rcs_pipeline.reports.sample_tables import sample_published
from rcs_pipeline.reports.sample_waves import sample_journeys, with_earlier_waves
from rcs_pipeline.reports.sections import Geography
from tests.reports.pdf_checks import report_text

pytestmark = pytest.mark.xdist_group("reports")

WAVE, EARLIER, LA_CODE = "2017-18", "2015-16", "S12000005"
TITLE = "Journeys: the same children over time"


def council(journeys: pl.DataFrame | None = None, *, earlier: bool = True) -> PublishedTables:
    """The sample council in 2017-18, with its 2015-16 wave (and a journeys table) or alone in its first wave."""
    tables = sample_published(WAVE, LA_CODE, n_clusters=1, seed=3, per_domain=1)
    if earlier:
        tables, _ = with_earlier_waves(tables, [EARLIER])
    return replace(tables, journeys=journeys) if journeys is not None else tables


def render(tables: PublishedTables, out: Path) -> tuple[str, Path]:
    """The council report's text and its spreadsheet."""
    summary: BuildSummary = build_reports(tables, out, ReportSettings(), workers=1, kinds=("council",))
    entry = summary.produced[0]
    return report_text(out / entry["pdf"]), out / entry["xlsx"]


@pytest.fixture(scope="module")
def with_journeys(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, pl.DataFrame]:
    """A two-wave council with unstable pupil references, rendered once."""
    journeys = sample_journeys(EARLIER, WAVE, stable=False)
    text, xlsx = render(council(journeys), tmp_path_factory.mktemp("journeys"))
    return text, xlsx, journeys


def test_two_wave_council_has_the_journeys_chapter_with_its_published_figures(with_journeys):
    """The chapter, its headline in the published numbers, and each journey table with [c] where withheld."""
    text, _, journeys = with_journeys
    assert TITLE in text and f"From {EARLIER} to {WAVE}" in text
    uptake = journeys.filter(
        (pl.col("journey_table") == "service_uptake") & (pl.col("measure") == "service_any")
    ).row(0, named=True)
    assert (
        f"Of {format_count(uptake['n'])} children linked in both waves who had a high level of need and no service "
        f"in {EARLIER}, {format_count(uptake['count'])} ({format_value(uptake['estimate'], 'percent')}) had a "
        f"service recorded by {WAVE}." in text
    )
    for caption in (
        f"Children with high need and no service in {EARLIER}: a service by {WAVE}",
        f"Children who gained a service between {EARLIER} and {WAVE}: their need in each wave",
        f"Change in wellbeing scores from {EARLIER} to {WAVE}: the same children, and all respondents",
        f"Link rate from {WAVE} back to {EARLIER}, by group",
    ):
        assert caption in text
    chapter = text[text.index(TITLE) :]
    assert "Social work [c] [c] [c] [c]" in chapter.replace("Social work services", "Social work")
    assert "Free school meals (P6 and above): Free school meals 352 193 55% 49 to 61 70%" in chapter


def test_unstable_pupil_references_are_said_plainly(with_journeys):
    """pupil_ref_stable false prints the note once; a stable table prints none."""
    text, _, _ = with_journeys
    assert text.count(UNSTABLE_NOTE.split(",")[0]) == 1
    stable = journeys_section(council(sample_journeys(EARLIER, WAVE)), Geography("council", LA_CODE, "C"))
    assert stable is not None
    assert not [p for kind, p in stable.blocks if kind == "p" and p == UNSTABLE_NOTE]


def test_spreadsheet_carries_the_journeys_tables_as_named_tables(with_journeys):
    """Each journeys table is its own sheet whose header row is a named Excel table; withheld cells are [c]."""
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
    overall = links.filter(pl.col("breakdown") == "all").row(0, named=True)
    assert rows[0][:4] == ("All respondents", overall["n"], overall["count"], round(overall["estimate"]))
    uptake = next(ws for ws in sheets if ws.title.endswith("Journeys service uptake"))
    assert "[c]" in [v for row in uptake.iter_rows(min_row=5, values_only=True) for v in row]


def test_a_two_wave_council_without_a_journeys_table_says_so():
    """No published journeys for the wave: the chapter says so with [x] and shows no table."""
    section = journeys_section(council(), Geography("council", LA_CODE, "Clackmannanshire"))
    assert section is not None and not section.tables()
    assert f"No journeys table was published for Clackmannanshire in {WAVE} [x]." in [
        p for _, p in section.blocks
    ]


def test_a_one_wave_council_has_no_journeys_chapter_and_says_why(tmp_path: Path):
    """A council in its first wave: no journeys chapter in the PDF, one line saying why, no journeys sheet."""
    text, xlsx = render(council(sample_journeys(EARLIER, WAVE), earlier=False), tmp_path)
    assert TITLE not in text
    assert text.count(ONE_WAVE_REASON) == 1
    assert f"Clackmannanshire has published figures for {WAVE} only" in text
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert not [n for n in book.sheetnames if "Journeys" in n]
