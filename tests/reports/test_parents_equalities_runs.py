"""The parent chapter and the equalities section read back from council PDFs that real runs rendered (issue 18).

Two module-scoped runs of the whole graph in process (assets.runner.materialise), each built once:

- tiny: two councils, two waves (`generate(scale="tiny", waves=...)`): comparator, comparisons against the rest
  of the wave and against the earlier wave, ASN reason groups, linkage by group;
- demo: one council at demo scale (slow).

Each council report's text is checked against that run's own published tables (published_estimates,
published_linkage_quality, published_comparisons): what the chapter prints is what was published, a claim is
made only for a significant published comparison, link rates are the published counts' quotient, and ASN
reason-group figures print where the audited publication shows them. The blocking audits passed (the runs
succeeded), so every ASN-group figure shown passed them.
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.runner import materialise
from rcs_pipeline.need.asn_groups import asn_groups, group_columns
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.reports.catalogue import indicator_labels
from rcs_pipeline.reports.formatting import format_count, format_interval, format_value
from rcs_pipeline.reports.inputs import PublishedTables, load_published
from rcs_pipeline.reports.lookup import Comparisons, significant
from tests.reports.pdf_checks import claims, report_text

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("parents_runs")]

PARENTS = "Parents of children aged 0 to 8 Parents and carers of a sample of families"
EQUALITIES = "Equalities data: completeness and linkage Equality analysis"
TINY_WAVES = ("2015-16", "2017-18")


@dataclass(frozen=True)
class Rendered:
    """One council report of a run: its published tables and the text of its parent chapter and equalities
    section."""

    published: PublishedTables
    parents: str
    equalities: str


def run_whole_graph(home: Path, deliveries: tuple[tuple[str, str], ...]) -> None:
    """Materialise every asset of the deliveries in process (own Dagster home, a random key); all must pass."""
    names = ("RCS_LINKAGE_KEY", "DAGSTER_HOME", "RCS_CODE_VERSION")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(
        RCS_LINKAGE_KEY=secrets.token_hex(32),
        DAGSTER_HOME=str(home / "dagster_home"),
        RCS_CODE_VERSION="test-parents",
    )
    (home / "dagster_home").mkdir(exist_ok=True)
    try:
        with dg.DagsterInstance.get() as instance:
            outcomes = materialise(home, deliveries, instance=instance)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    failed = [o for o in outcomes if not o.success]
    assert not failed, failed


def rendered(home: Path, wave: str, la_code: str) -> Rendered:
    """The council report of (wave, council) as text sections, with the published tables it was built from."""
    text = report_text(home / "reports" / wave / la_code / "council_report.pdf")
    start = text.index(PARENTS)
    parents = text[start : text.index("Cluster and school reports", start)]
    begin = text.index(EQUALITIES)
    return Rendered(load_published(RcsHome(home), wave, la_code), parents, text[begin:start])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Rendered]]:
    """Two tiny councils over two waves, run once; their later wave's council reports."""
    from rcs_pipeline.synthetic import generate

    home = tmp_path_factory.mktemp("parents_tiny")
    summary = generate(home, scale="tiny", seed=7, waves=list(TINY_WAVES))
    run_whole_graph(home, summary.deliveries)
    yield [rendered(home, w, c) for w, c in summary.deliveries if w == TINY_WAVES[-1]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Rendered]]:
    """One demo-scale council, one wave, run once."""
    from rcs_pipeline.synthetic import generate

    home = tmp_path_factory.mktemp("parents_demo")
    summary = generate(home, scale="demo", seed=2015, councils=1, waves=["2015-16"])
    run_whole_graph(home, summary.deliveries)
    yield [rendered(home, w, c) for w, c in summary.deliveries]


def parent_rows(published: PublishedTables, breakdown: str = "all") -> pl.DataFrame:
    """The council's published parent estimates of one breakdown."""
    return published.estimates.filter(
        pl.col("indicator_id").str.starts_with("par_")
        & (pl.col("geography_level") == "council")
        & (pl.col("breakdown") == breakdown)
    )


def check_parent_chapter(report: Rendered) -> None:
    """Interviews, each shown indicator's row, the age/sex/SIMD/urban-rural groups, and claims only where a
    published parent comparison is significant."""
    published, text = report.published, report.parents
    counts = published.linkage_quality.filter(
        (pl.col("instrument") == "parent") & (pl.col("breakdown") == "all")
    )
    found = {r["measure"]: r for r in counts.iter_rows(named=True)}
    respondents = found["respondents"]
    if respondents["suppressed"]:
        assert "The number of interviews is withheld" in text
    else:
        assert f"{format_count(respondents['count'])} parents and carers were interviewed" in text
    labels = indicator_labels(published.estimates["indicator_id"].unique().to_list())
    shown = parent_rows(published).filter(~pl.col("suppressed"))
    assert shown.height > 0
    # No estimate's own n is published: the base printed is the parent interviews the linkage counts publish
    base = "[c]" if respondents["suppressed"] else format_count(respondents["count"])
    for r in shown.iter_rows(named=True):
        cells = [format_value(r["value"], r["unit"]), format_interval(r["ci_low"], r["ci_high"], r["unit"])]
        assert f"{labels[r['indicator_id']].label} {' '.join(cells)} {base}" in text, r
    for breakdown in ("child_age_band", "sex", "simd_quintile", "urban_rural_2fold"):
        for r in parent_rows(published, breakdown).filter(~pl.col("suppressed")).iter_rows(named=True):
            assert format_value(r["value"], r["unit"]) in text
    check_parent_claims(report, labels)


def check_parent_claims(report: Rendered, labels: dict) -> None:
    """Every 'higher/lower' and 'rose/fell' sentence is a significant published parent comparison, and where
    parent comparisons were tested and none is significant the chapter says so."""
    published, text = report.published, report.parents
    tests = Comparisons(published.comparisons)
    found, changes = claims(text, labels)
    for c in found:
        row = tests.get(
            "council_vs_rest_of_wave",
            "council",
            published.la_code,
            c.indicator_id,
            "all",
            "all",
            "rest_of_wave",
        )
        assert significant(row) and row["direction"] == c.word, c
    for c in changes:
        row = tests.get("wave_vs_wave", "council", published.la_code, c.indicator_id, "all", "all", c.second)
        assert significant(row), c
    parent = published.comparisons.filter(
        pl.col("indicator_id").str.starts_with("par_") & (pl.col("geography_level") == "council")
    )
    vs_wave = parent.filter(pl.col("comparison") == "council_vs_rest_of_wave")
    if vs_wave.height and not any(significant(r) for r in vs_wave.iter_rows(named=True)):
        assert "No parent indicator differs clearly from the other participating councils" in text
    trend = parent.filter(pl.col("comparison") == "wave_vs_wave")
    if trend.height and not any(significant(r) for r in trend.iter_rows(named=True)):
        assert "No parent indicator changed clearly since" in text
    said = {c.indicator_id for c in found}
    for r in vs_wave.iter_rows(named=True):
        if not significant(r):
            assert r["indicator_id"] not in said


def check_equalities(report: Rendered) -> tuple[int, int]:
    """Link rate of all records printed from its two published counts; shown ASN reason-group percentages
    printed (the section's tables are of percentage indicators).

    Returns (ASN-group cells shown, withheld) at council level for the report's figures.
    """
    published, text = report.published, report.equalities
    lq = published.linkage_quality.filter((pl.col("instrument") == "any") & (pl.col("breakdown") == "all"))
    counts = {r["measure"]: r for r in lq.iter_rows(named=True)}
    records, linked = counts["admin_records"], counts["admin_linked"]
    if not (records["suppressed"] or linked["suppressed"]):
        rate = 100 * linked["count"] / records["count"]
        row = f"All records {format_count(records['count'])} {format_count(linked['count'])} {math.floor(rate + 0.5)}% 0"
        assert row in text
    groups = published.estimates.filter(
        (pl.col("geography_level") == "council") & pl.col("breakdown").is_in(group_columns())
    )
    shown = groups.filter(~pl.col("suppressed"))
    labels = {f"asn_{g['id']}": g["label"] for g in asn_groups()}
    pupil_shown = shown.filter(
        ~pl.col("indicator_id").str.starts_with("par_") & (pl.col("unit") == "percent")
    )
    if pupil_shown.height:
        assert "indicators by additional support need reason group" in text
        for breakdown in pupil_shown["breakdown"].unique().to_list():
            assert labels[breakdown] in text
        for r in pupil_shown.iter_rows(named=True):
            assert format_value(r["value"], r["unit"]) in text
    elif groups.height:
        assert "every figure by ASN reason group is withheld" in text
    return shown.height, groups.height - shown.height


def test_tiny_parent_chapters_read_back(tiny) -> None:
    """Both tiny councils' later-wave parent chapters print what was published, claims only where tested."""
    for report in tiny:
        check_parent_chapter(report)
        parent = report.published.comparisons.filter(pl.col("indicator_id").str.starts_with("par_"))
        kinds = set(parent["comparison"])
        assert {"council_vs_rest_of_wave", "wave_vs_wave"} <= kinds, kinds  # tested under the parent design


def test_tiny_equalities_sections_read_back(tiny) -> None:
    """Both tiny councils' equalities sections: link rates and ASN reason groups as published (audit passed)."""
    totals = [check_equalities(report) for report in tiny]
    print(f"tiny ASN-group cells (shown, withheld) per council: {totals}")
    assert all(withheld > 0 for _, withheld in totals)


def test_demo_parent_chapter_and_equalities_read_back(demo) -> None:
    """A demo-scale council: the parent chapter and the equalities section as published, ASN groups shown."""
    for report in demo:
        check_parent_chapter(report)
        shown, withheld = check_equalities(report)
        print(f"demo {report.published.la_code} ASN-group cells shown {shown}, withheld {withheld}")
        assert shown > 0
