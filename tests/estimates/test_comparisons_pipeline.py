"""Comparisons against the estimates engine and through the Dagster asset, on tiny synthetic data.

Pupil frames come from the library (generator, linkage, scoring, weights), not a Dagster run; the asset test
writes them and the council's estimates into an RCS_HOME and materialises `comparisons` alone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import dagster as dg
import polars as pl
import pytest

from rcs_pipeline.estimates import estimate_indicators
from rcs_pipeline.estimates.comparisons import COMPARISON_SCHEMA, council_comparisons, prepare_design
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.paths import RcsHome
from rcs_pipeline.storage import write_parquet_atomic
from tests.estimates.comparisons_sample import INDICATORS, census_sample, synthetic_pupil_scores

WAVE, EARLIER = "2015-16", "2014-15"
DOMAIN = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]


def _pupil_types(frame: pl.DataFrame) -> dict[str, str]:
    """Catalogue types of the pupil indicators with a column in `frame`."""
    catalogue = load_catalogue().filter(pl.col("instrument").is_in(["secondary", "primary"]))
    return {
        i: t for i, t in catalogue.select("indicator_id", "type").iter_rows() if f"ind_{i}" in frame.columns
    }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """pupil_scores of the tiny wave's two councils."""
    return synthetic_pupil_scores(tmp_path_factory.mktemp("comparisons_tiny"), "tiny", seed=11)


def _first_sides_match(table: pl.DataFrame, est: pl.DataFrame) -> int:
    """Assert each comparison's first side is the estimates' domain (same n, same estimate); return rows checked."""
    sides = table.select(*DOMAIN, "n", "estimate")
    joined = sides.join(est.select(*DOMAIN, pl.col("n").alias("n_est"), pl.col("estimate").alias("est")),
                        on=DOMAIN, how="left")  # fmt: skip
    assert joined["n_est"].null_count() == 0
    assert (joined["n"] == joined["n_est"]).all()
    assert (joined["estimate"] - joined["est"]).abs().max() < 1e-12
    return joined.height


def test_first_side_equals_estimates_on_census_sample() -> None:
    """On the hand-made census sample, every first side is the estimates engine's figure for that domain."""
    pupils = census_sample()
    for la in sorted(pupils["la_code"].unique()):
        own = pupils.filter(pl.col("la_code") == la)
        table = council_comparisons(prepare_design(own, INDICATORS))
        est = estimate_indicators(own, dict.fromkeys(INDICATORS, "proportion") | {"wellbeing": "mean"})
        assert _first_sides_match(table, est) > 50


def test_first_side_equals_estimates_on_tiny_data(tiny: dict[str, pl.DataFrame]) -> None:
    """On the generator's tiny councils (every pupil indicator), the same: n and estimate of each domain."""
    for frame in tiny.values():
        types = _pupil_types(frame)
        table = council_comparisons(prepare_design(frame, list(types)))
        assert _first_sides_match(table, estimate_indicators(frame, types)) > 1000


@pytest.fixture(scope="module")
def materialised(
    tiny: dict[str, pl.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RcsHome]:
    """RCS_HOME with both councils' pupil_scores (and an earlier wave's, with every answer changed), then
    `comparisons` materialised for S12000005 through Dagster."""
    from assets.defs.analysis.comparisons import comparisons
    from assets.defs.analysis.estimates import estimates
    from assets.defs.analysis.scores import pupil_scores
    from assets.partitions import partition_key
    from assets.resources import RcsSettings

    home = RcsHome(tmp_path_factory.mktemp("comparisons_home"))
    for la_code, frame in tiny.items():
        write_parquet_atomic(frame, home.table("analysis", "pupil_scores", WAVE, la_code))
        types = _pupil_types(frame)
        changed = frame.with_columns(  # a clear change: proportions reversed, means halved
            ((1 - pl.col(f"ind_{i}")) if t == "proportion" else pl.col(f"ind_{i}") * 0.5).alias(f"ind_{i}")
            for i, t in types.items()
        )
        write_parquet_atomic(changed, home.table("analysis", "pupil_scores", EARLIER, la_code))
    (home.root / "dagster_home").mkdir()
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home.root / "dagster_home")
    try:
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions("wave", [EARLIER, WAVE])
            result = dg.materialize(
                [comparisons, pupil_scores, estimates], selection=[comparisons],
                partition_key=partition_key(WAVE, "S12000005"), instance=instance,
                resources={"settings": RcsSettings(home=str(home.root), min_group=20)},
            )  # fmt: skip
            assert result.success
            meta = result.asset_materializations_for_node("comparisons")[0].metadata
            ours = {k: v.value for k, v in meta.items() if not k.startswith("dagster/") and k != "path"}
            (home.root / "meta.json").write_text(json.dumps(ours))
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old
    yield home


def test_asset_writes_the_contract_table(materialised: RcsHome) -> None:
    """The asset's file has the contract's columns, every comparison kind, and BH within each family."""
    table = pl.read_parquet(materialised.table("analysis", "comparisons", WAVE, "S12000005"))
    assert table.schema == pl.Schema(COMPARISON_SCHEMA)
    assert set(table["comparison"]) == {"area_vs_rest_of_council", "council_vs_rest_of_wave", "group_vs_group",
                                        "group_vs_rest", "wave_vs_wave"}  # fmt: skip
    assert table.filter(pl.col("comparison") == "council_vs_rest_of_wave")["family"].unique().to_list() == [
        "council:S12000005:vs_rest_of_wave"
    ]
    small = table.filter((pl.col("n") < 20) | (pl.col("reference_n") < 20))
    assert small.height and small["test_status"].is_in(["small_base", "empty_side"]).all()
    tested = table.filter(pl.col("p_value").is_not_null())
    assert (tested["p_adjusted"] >= tested["p_value"] - 1e-15).all()
    assert tested["direction"].null_count() == 0


def test_asset_compares_with_the_earlier_wave(materialised: RcsHome) -> None:
    """Each geography's `all` against the earlier wave, whose answers were all changed: mostly clear changes."""
    table = pl.read_parquet(materialised.table("analysis", "comparisons", WAVE, "S12000005"))
    trend = table.filter(pl.col("comparison") == "wave_vs_wave")
    assert set(trend["reference"]) == {EARLIER}
    assert trend["family"].str.ends_with(":trend").all()
    council = trend.filter((pl.col("geography_level") == "council") & pl.col("p_value").is_not_null())
    assert council.height > 20
    assert (council["direction"] != "no clear difference").mean() > 0.5


def test_asset_metadata_has_counts_of_tests_only(materialised: RcsHome) -> None:
    """Metadata: per family type, families, comparisons, tests and significant results (no bases of children)."""
    meta = (materialised.root / "meta.json").read_text()
    assert set(json.loads(meta)) == {
        "councils_in_wave",
        "by_family_type",
        "not_tested",
        "other_councils_designs_from_memo",
    }
    for kind in ("school:vs_rest_of_council", "cluster:groups", "council:vs_rest_of_wave", "council:trend"):
        assert kind in meta
    assert "'n'" not in meta and "reference_n" not in meta
