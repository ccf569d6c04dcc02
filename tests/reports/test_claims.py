"""Reports read back: they say only what the published comparisons say.

- every 'higher/lower' and 'rose/fell' sentence is a significant row of published_comparisons, with its values;
- no sentence claims a difference the table calls 'no clear difference' (or withholds);
- [c] appears only on withheld cells; every printed proportion has its interval;
- a one-council wave makes no comparison with other councils.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pypdf
import pytest

from assets.defs.reports.pools import RENDER_POOLS
from rcs_pipeline.reports.build import BuildSummary, build_reports
from rcs_pipeline.reports.catalogue import indicator_labels
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.lookup import Comparisons
from rcs_pipeline.reports.sample_tables import with_sample_comparisons
from tests.reports.conftest import LA_CODE, one_council_wave, small_council
from tests.reports.pdf_checks import (
    SHOWN_VALUE,
    assert_states_the_row,
    claimed_row,
    claims,
    interval_cells,
    report_text,
)

pytestmark = pytest.mark.xdist_group("reports")

EXPLAINING_C = (
    "a value marked [c] is withheld",
    "[c] withheld to protect confidentiality",
    "[c] marks a withheld value",
    "shows [c]",
    "withheld ([c])",
    "is itself withheld [c]",
    "[c] confidential",
)
"""The only places a report may print [c] other than a withheld cell: the sentences that explain the symbol."""


def test_every_claimed_difference_is_a_significant_published_comparison(tested_built, tested):
    """Each higher/lower sentence in every PDF matches a significant row (direction and both values); so does each
    rose/fell sentence; and no sentence claims a difference the table calls 'no clear difference'."""
    out, summary = tested_built
    comps = Comparisons(tested.comparisons)
    labels = indicator_labels(tested.estimates["indicator_id"].unique().to_list())
    kinds: set[str] = set()
    for entry in summary.produced:
        text = report_text(out / entry["pdf"])
        assert "similar" not in text.lower()
        found, changes = claims(text, labels)
        for claim in found:
            kind, row = claimed_row(claim, entry, LA_CODE, comps)
            assert_states_the_row(claim, row, claim.word)
            kinds.add(kind)
        for change in changes:
            row = comps.get(
                "wave_vs_wave", "council", LA_CODE, change.indicator_id, "all", "all", change.second
            )
            assert_states_the_row(change, row, "higher" if change.word == "rose" else "lower")
            kinds.add("wave_vs_wave")
    assert kinds == {
        "area_vs_rest_of_council",
        "council_vs_rest_of_wave",
        "group_vs_group",
        "group_vs_rest",
        "wave_vs_wave",
    }


def test_an_area_without_a_clear_difference_says_so_plainly(tested_built, tested):
    """An area report whose tests against the rest of the council find nothing says that in its summary."""
    out, summary = tested_built
    significant = set(
        tested.comparisons.filter(
            (pl.col("comparison") == "area_vs_rest_of_council")
            & pl.col("direction").is_in(["higher", "lower"])
        )["geography_code"].to_list()
    )
    plain = [e for e in summary.produced if e["kind"] != "council" and e["code"] not in significant]
    assert plain and [e for e in summary.produced if e["code"] in significant]
    for entry in plain:
        text = report_text(out / entry["pdf"])
        assert f"No indicator differs clearly between {entry['name']} and the rest of" in text


def test_test_columns_of_the_spreadsheets_are_the_published_comparisons(tested_built, tested):
    """The 'Against the rest of …' column of each area's indicator sheets prints what its comparison says."""
    out, summary = tested_built
    comps = Comparisons(tested.comparisons)
    labels = indicator_labels(tested.estimates["indicator_id"].unique().to_list())
    words = {"higher": "Higher", "lower": "Lower", "no clear difference": "No clear difference"}
    checked = 0
    for entry in (e for e in summary.produced if e["kind"] != "council"):
        book = openpyxl.load_workbook(out / entry["xlsx"], read_only=True)
        for name in (n for n in book.sheetnames if re.fullmatch(r"T\d+ Indicators (primary|secondary)", n)):
            instrument = name.rsplit(" ", 1)[1]
            by_label = {lab.label: i for i, lab in labels.items() if lab.instrument == instrument}
            rows = list(book[name].iter_rows(values_only=True))
            assert rows[3][-1].startswith("Against the rest of")
            for values in rows[4:]:
                row = comps.get(
                    "area_vs_rest_of_council",
                    entry["kind"],
                    entry["code"],
                    by_label[values[0]],
                    "all",
                    "all",
                    "rest_of_council",
                )
                expected = (
                    "[x]"
                    if row is None
                    else "[c]"
                    if row["suppressed"]
                    else words.get(row["direction"], "Not tested")
                )
                assert values[-1] == expected, (entry["xlsx"], name, values[0])
                checked += 1
    assert checked > 20


def test_every_printed_proportion_has_its_interval(tested_built):
    """In every table with a 95% interval column, each printed value has its interval beside it."""
    out, summary = tested_built
    shown = 0
    for entry in summary.produced:
        for value, interval in interval_cells(out / entry["pdf"]):
            if value in ("[c]", "[x]"):
                continue
            assert re.fullmatch(r"-?[\d.]+ to -?[\d.]+", interval), (entry["pdf"], value, interval)
            shown += 1
    assert shown > 50


def nothing_withheld(tables: PublishedTables) -> PublishedTables:
    """The tables with every withheld row removed, and one school's first published interval missing (a defect
    upstream the report must show as [x], not [c]); comparisons tested afresh on what is left."""
    keep = ~pl.col("suppressed")
    estimates = tables.estimates.filter(keep)
    school = estimates.filter((pl.col("geography_level") == "school") & (pl.col("breakdown") == "all")).row(
        0, named=True
    )
    planted = (
        (pl.col("geography_code") == school["geography_code"])
        & (pl.col("indicator_id") == school["indicator_id"])
        & (pl.col("breakdown") == "all")
    )
    estimates = estimates.with_columns(
        [pl.when(planted).then(None).otherwise(pl.col(c)).alias(c) for c in ("ci_low", "ci_high")]
    )
    council = (pl.col("geography_level") == "council") & (pl.col("breakdown") == "all")
    first = estimates.filter(council & (pl.col("unit") == "percent"))["indicator_id"][0]
    estimates = estimates.with_columns(  # one low-reliability value, printed with [u]
        reliability=pl.when(council & (pl.col("indicator_id") == first)).then(pl.lit("low"))
    )
    return with_sample_comparisons(
        replace(
            tables,
            estimates=estimates,
            three_circles=tables.three_circles.filter(keep),
            response_rates=tables.response_rates.filter(keep),
            linkage_quality=tables.linkage_quality.filter(keep),
            comparator=tables.comparator.filter(keep),
            previous=tables.previous.filter(keep),
        )
    )


@pytest.fixture(scope="module")
def unwithheld_built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary, PublishedTables]:
    """The small council's reports rendered from tables with nothing withheld."""
    tables = nothing_withheld(small_council())
    out = tmp_path_factory.mktemp("unwithheld")
    return (
        out,
        build_reports(tables, out, ReportSettings(run_id="unwithheld"), pool=RENDER_POOLS.get(2)),
        tables,
    )


def test_c_marks_only_withheld_cells(unwithheld_built):
    """With nothing withheld, no PDF or spreadsheet cell shows [c]: absent figures, a missing interval, a zero roll
    and untested comparisons get [x], [z] or words; [c] is left only in the sentences that explain it."""
    out, summary, tables = unwithheld_built
    assert not tables.comparisons["suppressed"].any()
    for entry in summary.produced:
        text = report_text(out / entry["pdf"])
        for phrase in EXPLAINING_C:
            text = text.replace(phrase, " ")
        assert "[c]" not in text, (entry["pdf"], text[max(0, text.find("[c]") - 120) : text.find("[c]") + 40])
        book = openpyxl.load_workbook(out / entry["xlsx"], read_only=True)
        cells = [
            v for ws in book.worksheets[2:] for row in ws.iter_rows(min_row=3, values_only=True) for v in row
        ]
        assert "[c]" not in cells, entry["xlsx"]


def test_a_missing_interval_is_found_by_the_read_back_and_never_printed_as_withheld(unwithheld_built):
    """Negative control of the interval check: the one planted published value without an interval is the one
    row the read-back finds without one, and it prints [x]."""
    out, summary, _ = unwithheld_built
    missing = [
        (entry["pdf"], value, interval)
        for entry in summary.produced
        for value, interval in interval_cells(out / entry["pdf"])
        if SHOWN_VALUE.match(value.removesuffix(" [u]"))
        and not re.fullmatch(r"-?[\d.]+ to -?[\d.]+", interval)
    ]
    assert len(missing) == 1 and missing[0][2] == "[x]", missing


def test_a_low_reliability_value_prints_u_beside_it_with_its_interval(unwithheld_built):
    """The one value flagged low reliability prints '[u]' beside it (and keeps its interval); [u] is explained."""
    out, _, _ = unwithheld_built
    flagged = [
        (value, interval)
        for value, interval in interval_cells(out / "council_report.pdf")
        if value.endswith(" [u]")
    ]
    assert (
        flagged and len(set(flagged)) == 1
    )  # the one flagged value (its table may be printed in two chapters)
    assert re.fullmatch(r"\d+% \[u\]", flagged[0][0]) and re.fullmatch(r"\d+ to \d+", flagged[0][1])
    assert "[u] low reliability" in report_text(out / "council_report.pdf")


def test_a_one_council_wave_makes_no_comparison_with_other_councils(tmp_path: Path):
    """Alone in its wave, a council's report has no all-councils series, column or claim, and says why once."""
    tables = one_council_wave()
    assert tables.comparisons.filter(pl.col("comparison") == "council_vs_rest_of_wave").is_empty()
    summary = build_reports(tables, tmp_path, ReportSettings(run_id="alone"), kinds=("council",))
    pdf = tmp_path / summary.produced[0]["pdf"]
    text = report_text(pdf)
    assert "This wave has only one participating council" in text
    assert (
        "All participating councils" not in text
        and "all participating councils" not in text.split("Methods")[0]
    )
    assert "in the other participating councils" not in text
    root = pypdf.PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"]
    from tests.reports.test_outputs import structure_tags

    assert not [alt for tag, alt in structure_tags(root) if alt and "participating councils" in alt]
    book = openpyxl.load_workbook(tmp_path / summary.produced[0]["xlsx"], read_only=True)
    headers = {v for ws in book.worksheets[2:] for row in ws.iter_rows(values_only=True) for v in row if v}
    assert not {"All participating councils", "Against other councils"} & headers
