"""A small council's published-like tables, with leaked sentinels behind every suppression flag, built once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from assets.defs.reports.pools import RENDER_POOLS
from rcs_pipeline.reports.build import BuildSummary, build_reports
from rcs_pipeline.reports.council import ReportSettings
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.sample_tables import sample_published, with_sample_comparisons

WAVE = "2015-16"
LA_CODE = "S12000005"
SENTINEL_VALUE = 99999.0
"""Planted in the value columns of suppressed rows: a report that printed a withheld value would show it."""
SENTINEL_COUNT = 987654


def plant_sentinels(tables: PublishedTables) -> PublishedTables:
    """Put sentinel numbers into every suppressed cell, as a buggy upstream might: reports must never print them."""

    def leak(frame: pl.DataFrame, value_cols: list[str], count_cols: list[str]) -> pl.DataFrame:
        hidden = pl.col("suppressed").fill_null(False)
        return frame.with_columns(
            [pl.when(hidden).then(pl.lit(SENTINEL_VALUE)).otherwise(pl.col(c)).alias(c) for c in value_cols]
            + [pl.when(hidden).then(pl.lit(SENTINEL_COUNT)).otherwise(pl.col(c)).alias(c) for c in count_cols]
        )

    return replace(
        tables,
        estimates=leak(tables.estimates, ["value", "ci_low", "ci_high"], []),
        three_circles=leak(tables.three_circles, ["percent"], ["n", "base"]),
        response_rates=leak(tables.response_rates, ["response_rate"], ["roll", "respondents"]),
        linkage_quality=leak(tables.linkage_quality, [], ["count"]),
        comparisons=leak(
            tables.comparisons, ["estimate", "reference_estimate", "difference"], []
        ).with_columns(  # a withheld comparison that leaked a direction must still state none
            direction=pl.when(pl.col("suppressed")).then(pl.lit("higher")).otherwise(pl.col("direction"))
        ),
    )


def small_council(seed: int = 2015) -> PublishedTables:
    """One council, one cluster, a previous wave: enough for every chapter, quick to render."""
    return sample_published(WAVE, LA_CODE, n_clusters=1, seed=seed, previous_wave="2012-13", per_domain=1)


@pytest.fixture(scope="session")
def published() -> PublishedTables:
    """The small council's published tables (clean, as the disclosure zone writes them)."""
    return small_council()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, published: PublishedTables) -> tuple[Path, BuildSummary]:
    """Every report of the small council rendered once from tables with leaked sentinels."""
    out = tmp_path_factory.mktemp("reports")
    summary = build_reports(
        plant_sentinels(published), out, ReportSettings(run_id="test-run"), pool=RENDER_POOLS.get(2)
    )
    return out, summary


def tested_council() -> PublishedTables:
    """A council of two clusters whose made-up tests find clear differences of every kind (and miss others)."""
    return sample_published(WAVE, LA_CODE, n_clusters=2, seed=2, previous_wave="2012-13", per_domain=1)


def one_council_wave() -> PublishedTables:
    """The small council alone in its wave: no all-councils comparator and no comparison with other councils."""
    alone = replace(small_council(), councils_in_wave=1, comparator=small_council().comparator.clear())
    return with_sample_comparisons(alone)


@pytest.fixture(scope="session")
def tested() -> PublishedTables:
    """The tested council's published tables."""
    return tested_council()


@pytest.fixture(scope="session")
def tested_built(
    tmp_path_factory: pytest.TempPathFactory, tested: PublishedTables
) -> tuple[Path, BuildSummary]:
    """Every report of the tested council rendered once."""
    out = tmp_path_factory.mktemp("tested_reports")
    return out, build_reports(tested, out, ReportSettings(run_id="claims-run"), pool=RENDER_POOLS.get(2))
