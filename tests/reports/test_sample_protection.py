"""The report tests' published tables come from the real disclosure zone, not a toy rule.

`sample_published` (the fixture of tests/reports/conftest.py, test_trends.py and test_journeys.py) draws a
made-up council unsuppressed (`sample_drawn`) and protects it with `protect_council` at the thresholds
rules.yaml gives the partition (`settings_for`). These tests check that what the reports then read is that
output: the primary rules at those thresholds, secondary suppression, and an audit of the tables as published.
"""

from __future__ import annotations

import polars as pl
import pytest

from rcs_pipeline.disclosure import DisclosureSettings, audit_published
from rcs_pipeline.disclosure.scope import estimates_in_scope
from rcs_pipeline.disclosure.settings import settings_for
from rcs_pipeline.reports.inputs import PublishedTables
from rcs_pipeline.reports.sample_tables import analysis_tables, sample_drawn, sample_published
from tests.reports.conftest import LA_CODE, WAVE

SMALL = {"n_clusters": 1, "seed": 2015, "previous_wave": "2012-13", "per_domain": 1}
"""The small council of tests/reports/conftest.py."""


@pytest.fixture(scope="module")
def drawn() -> PublishedTables:
    """The small council as drawn, before disclosure control."""
    return sample_drawn(WAVE, LA_CODE, **SMALL)


def published_frames(tables: PublishedTables) -> dict[str, pl.DataFrame]:
    """The four protected tables under their published names, as the audit reads them."""
    return {
        "published_estimates": tables.estimates,
        "published_three_circles": tables.three_circles,
        "published_response_rates": tables.response_rates,
        "published_linkage_quality": tables.linkage_quality,
    }


def test_the_drawn_council_withholds_nothing_before_protection(drawn: PublishedTables) -> None:
    """No toy suppression is left in the sample: every cell is drawn, so only protect_council withholds."""
    for frame in (drawn.estimates, drawn.three_circles, drawn.response_rates, drawn.linkage_quality):
        assert not frame["suppressed"].any()
        assert frame["reason"].is_null().all()


def test_the_published_sample_follows_the_primary_rules_of_rules_yaml(
    drawn: PublishedTables, published: PublishedTables
) -> None:
    """Every published estimate of a group below rules.yaml's min_group is withheld as min_group, none shown is
    smaller, and rows outside rules.yaml's publication scope (a school's breakdowns) are not published at all."""
    settings = settings_for(WAVE, LA_CODE)
    in_scope = estimates_in_scope(drawn.estimates)
    assert 0 < in_scope.height < drawn.estimates.height
    assert published.estimates.height == in_scope.height
    assert published.estimates.filter(
        (pl.col("geography_level") == "school") & (pl.col("breakdown") != "all")
    ).is_empty()
    small = in_scope.filter(pl.col("n") < settings.min_group).select(
        "indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"
    )
    assert small.height > 0
    shown = published.estimates.join(small, on=small.columns, how="semi")
    assert shown.height == small.height
    assert shown["suppressed"].all() and (shown["reason"] == "min_group").all()
    shown_small = published.estimates.filter(~pl.col("suppressed")).join(small, on=small.columns, how="semi")
    assert shown_small.is_empty()
    assert "n" not in published.estimates.columns  # no estimate base is published (disclosure.md §4)


def test_the_published_sample_has_secondary_suppression_and_passes_the_audit(
    drawn: PublishedTables, published: PublishedTables
) -> None:
    """The real rules add secondary suppression (which no toy rule did), and the published tables, re-audited
    against the drawn values, let no withheld count be recovered and break no primary rule."""
    reasons = set(published.estimates["reason"].drop_nulls()) | set(
        published.three_circles["reason"].drop_nulls()
    )
    assert {"min_group", "min_cell", "secondary"} <= reasons
    result, breaches = audit_published(
        analysis_tables(drawn),
        drawn.schools,
        LA_CODE,
        settings_for(WAVE, LA_CODE),
        published_frames(published),
    )
    assert result.passed, result.failures[:3]
    assert breaches == 0


def test_stricter_thresholds_withhold_every_group_below_them() -> None:
    """The thresholds are the settings': with min_group 30 and min_cell 15 no shown estimate rests on fewer
    than 30 pupils, and more estimates are withheld than at rules.yaml's defaults."""
    strict = sample_published(WAVE, LA_CODE, settings=DisclosureSettings(min_group=30, min_cell=15), **SMALL)
    default = sample_published(WAVE, LA_CODE, **SMALL)
    keys = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
    small = sample_drawn(WAVE, LA_CODE, **SMALL).estimates.filter(pl.col("n") < 30).select(keys)
    assert small.height > 0
    assert strict.estimates.filter(~pl.col("suppressed")).join(small, on=keys, how="semi").is_empty()
    assert strict.estimates["suppressed"].sum() > default.estimates["suppressed"].sum()
