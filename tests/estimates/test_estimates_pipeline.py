"""Pipeline: landing → … → pupil_scores → estimates, three circles, response rates, comparator, in Dagster."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.analysis.estimates import (
    comparator_estimates,
    estimates,
    estimates_intervals_are_coherent,
    response_rates,
    three_circles,
)
from assets.defs.analysis.scores import parent_scores, pupil_scores
from assets.defs.key_holder.assets import link_map, link_map_one_to_one
from assets.defs.landing.assets import landing
from assets.defs.linkage.assets import linked_parents, linked_pupils
from assets.defs.separation.assets import separate_deliveries
from assets.partitions import partition_key
from assets.resources import LinkageKey, RcsSettings
from rcs_pipeline.paths import RcsHome
from tests.conftest import TINY_COUNCILS, TINY_WAVE

pytestmark = pytest.mark.xdist_group("estimates_pipeline")
UPSTREAM = [
    landing,
    separate_deliveries,
    link_map,
    link_map_one_to_one,
    linked_pupils,
    linked_parents,
    pupil_scores,
    parent_scores,
]
OURS = [estimates, estimates_intervals_are_coherent, three_circles, response_rates]


@pytest.fixture(scope="module")
def home(tiny_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RcsHome]:
    """Both tiny councils materialised through our assets and the wave's comparator."""
    import shutil

    root = tmp_path_factory.mktemp("estimates_home")
    shutil.copytree(tiny_source / "landing", root / "landing")
    (root / "dagster_home").mkdir()
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(root / "dagster_home")
    try:
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions("wave", [TINY_WAVE])
            resources = {
                "settings": RcsSettings(home=str(root)),
                "linkage_key": LinkageKey(key=secrets.token_hex(32)),
            }
            for la_code in TINY_COUNCILS:
                result = dg.materialize(
                    [*UPSTREAM, *OURS],
                    partition_key=partition_key(TINY_WAVE, la_code),
                    resources=resources,
                    instance=instance,
                )
                assert result.success
            wave = dg.materialize(
                [comparator_estimates, pupil_scores, parent_scores],
                selection=[comparator_estimates],
                partition_key=TINY_WAVE,
                resources=resources,
                instance=instance,
            )
            assert wave.success
            yield RcsHome(root)
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old


def _table(home: RcsHome, name: str, la_code: str | None = TINY_COUNCILS[0]) -> pl.DataFrame:
    return pl.read_parquet(home.table("analysis", name, TINY_WAVE, la_code))


def test_estimates_cover_every_indicator_geography_and_breakdown(home: RcsHome) -> None:
    """Every pupil and parent indicator with answers has council, cluster and school rows; bases add up."""
    est = _table(home, "estimates")
    scores = _table(home, "pupil_scores")
    assert list(est.columns[:10]) == [
        "indicator_id",
        "geography_level",
        "geography_code",
        "breakdown",
        "breakdown_value",
        "n",
        "n_positive",
        "estimate",
        "ci_low",
        "ci_high",
    ]
    answered = [
        c.removeprefix("ind_")
        for c in scores.columns
        if c.startswith("ind_") and scores.filter(pl.col("weight") > 0)[c].drop_nulls().len()
    ]
    council = est.filter((pl.col("geography_level") == "council") & (pl.col("breakdown") == "all"))
    assert set(answered) <= set(council["indicator_id"])
    assert est.filter(pl.col("indicator_id").str.starts_with("par_")).height > 0
    assert set(est["geography_level"]) == {"council", "cluster", "school"}
    assert set(est["breakdown"]) >= {"all", "sex", "stage", "simd_quintile", "urban_rural_2fold"}
    one = answered[0]
    assert (
        council.filter(pl.col("indicator_id") == one)["n"].item()
        == scores.filter(pl.col("weight") > 0)[f"ind_{one}"].drop_nulls().len()
    )
    schools = est.filter(
        (pl.col("geography_level") == "school")
        & (pl.col("breakdown") == "all")
        & (pl.col("indicator_id") == one)
    )
    assert schools["n"].sum() == council.filter(pl.col("indicator_id") == one)["n"].item()
    assert est["ci_low"].is_not_null().mean() > 0.5


def test_comparator_pools_both_councils(home: RcsHome) -> None:
    """The comparator's base is the sum of the councils' bases."""
    comp = _table(home, "comparator_estimates", None)
    assert set(comp["geography_level"]) == {"all_councils"}
    key = pl.col("breakdown") == "all"
    ind = comp.filter(key)["indicator_id"][0]
    total = sum(
        _table(home, "estimates", la)
        .filter(key & (pl.col("geography_level") == "council") & (pl.col("indicator_id") == ind))["n"]
        .item()
        for la in TINY_COUNCILS
    )
    assert comp.filter(key & (pl.col("indicator_id") == ind))["n"].item() == total


def test_three_circles_and_response_rates(home: RcsHome) -> None:
    """Circles partition their base; council respondents equal pupil_scores rows; roll from landing."""
    circles = _table(home, "three_circles")
    sums = circles.group_by(
        ["geography_level", "geography_code", "breakdown", "breakdown_value", "need", "service"]
    ).agg(pl.col("n").sum(), pl.col("base").first())
    assert (sums["n"] == sums["base"]).all()
    rates = _table(home, "response_rates")
    total = rates.filter(
        (pl.col("geography_level") == "council")
        & (pl.col("instrument") == "all")
        & (pl.col("stage") == "all")
        & (pl.col("sex") == "all")
    )
    assert total["respondents"].item() == _table(home, "pupil_scores").height
    roll = pl.read_parquet(home.table("landing", "school_roll", TINY_WAVE, TINY_COUNCILS[0]))
    surveyed = roll.filter(pl.col("stage").is_in(["P5", "P6", "P7", "S1", "S2", "S3", "S4"]))["pupils"].sum()
    assert total["roll"].item() == surveyed
