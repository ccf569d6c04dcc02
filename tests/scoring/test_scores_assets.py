"""pupil_scores and parent_scores through Dagster on one tiny council, from the real landing, separation,
key-holder and linkage assets."""

from __future__ import annotations

import secrets
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.analysis.scores import parent_scores, pupil_scores, pupil_scores_weights_match_roll
from assets.defs.key_holder.assets import link_map
from assets.defs.landing.assets import landing
from assets.defs.linkage.assets import linked_parents, linked_pupils
from assets.defs.separation.assets import separate_deliveries
from assets.partitions import partition_key
from assets.resources import LinkageKey, RcsSettings
from rcs_pipeline.codelists import IDENTIFIER_COLUMNS
from rcs_pipeline.paths import RcsHome
from tests.conftest import TINY_WAVE

LA = "S12000040"
pytestmark = pytest.mark.slow


def run_scores(home: Path, instance: dg.DagsterInstance, upstream: list) -> dg.ExecuteInJobResult:
    """Materialise `upstream`, then the two score assets and the weights check, for the tiny council."""
    return dg.materialize(
        [*upstream, pupil_scores, parent_scores, pupil_scores_weights_match_roll],
        partition_key=partition_key(TINY_WAVE, LA),
        resources={
            "settings": RcsSettings(home=str(home)),
            "linkage_key": LinkageKey(key=secrets.token_hex(32)),
        },
        instance=instance,
    )


def assert_scores_written(home: Path, result: dg.ExecuteInJobResult) -> None:
    """The score tables match the linked tables row for row, carry no identifier, and the check passed."""
    assert result.success
    layout = RcsHome(home)
    scores = pl.read_parquet(layout.table("analysis", "pupil_scores", TINY_WAVE, LA))
    linked = pl.read_parquet(layout.table("linkage", "linked_pupils", TINY_WAVE, LA))
    assert (
        scores.select("instrument", "response_id").rows() == linked.select("instrument", "response_id").rows()
    )
    assert not set(scores.columns) & {*IDENTIFIER_COLUMNS, "record_token"}
    assert scores["link_id"].is_not_null().sum() > 0.8 * scores.height

    checks = result.get_asset_check_evaluations()
    assert [c.passed for c in checks if c.check_name == "pupil_scores_weights_match_roll"] == [True]

    meta = result.asset_materializations_for_node("pupil_scores")[0].metadata
    assert meta["respondents"].value == scores.height
    weights = meta["weights_vs_roll"].data
    for instrument in ("secondary", "primary"):
        assert weights[instrument]["weight_sum"] == pytest.approx(weights[instrument]["covered_roll"])
    assert 0 < meta["share_need_any"].value < 1

    parents = pl.read_parquet(layout.table("analysis", "parent_scores", TINY_WAVE, LA))
    assert parents.height == pl.read_parquet(layout.table("linkage", "linked_parents", TINY_WAVE, LA)).height
    assert parents["swemwbs_metric"].drop_nulls().len() > 0


def test_scores_from_the_real_linkage_assets(tiny_home: Path, dagster_instance: dg.DagsterInstance) -> None:
    upstream = [landing, separate_deliveries, link_map, linked_pupils, linked_parents]
    assert_scores_written(tiny_home, run_scores(tiny_home, dagster_instance, upstream))
