"""The services assets materialise real tables for one (wave, council) from landed inputs."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.defs.services import assets as services_assets
from assets.defs.services import checks as services_checks
from assets.partitions import partition_key
from assets.resources import RcsSettings
from tests.services.landing import LA_CODE, WAVE, land_services

TABLE_ASSETS = [
    services_assets.services_investment,
    services_assets.services_cost_per_participant,
    services_assets.services_cost_by_level,
    services_assets.services_cost_comparison,
    services_assets.services_coordination,
    services_assets.services_spend_against_need,
]
CHECKS = [
    services_checks.services_investment_shares_sum_to_one,
    services_checks.services_cost_per_participant_zero_participants_flagged,
    services_checks.services_spend_against_need_suppressed_stay_withheld,
]


def _materialise(home: Path, instance: dg.DagsterInstance) -> dg.ExecuteInJobResult:
    return dg.materialize(
        [*TABLE_ASSETS, *CHECKS],
        partition_key=partition_key(WAVE, LA_CODE),
        resources={"settings": RcsSettings(home=str(home))},
        instance=instance,
        raise_on_error=False,
    )


def test_tables_and_metadata_from_a_landed_register(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    layout = land_services(tmp_path / "home")
    result = _materialise(layout.root, dagster_instance)
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    investment = pl.read_parquet(layout.table("services", "services_investment", WAVE, LA_CODE))
    register = pl.read_parquet(layout.table("landing", "services_register", WAVE, LA_CODE))
    total = register["annual_spend_gbp"].sum()
    whole = investment.filter(pl.col("breakdown") == "all").row(0, named=True)
    assert whole["annual_spend_gbp"] == pytest.approx(total)
    assert whole["spend_per_child_gbp"] == pytest.approx(total / 1000)
    meta = next(
        m
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey("services_investment")
    ).materialization.metadata
    assert 0 < meta["prevention_share"].value < 0.5
    assert meta["evidence_based_share"].value > 0
    need = pl.read_parquet(layout.table("services", "services_spend_against_need", WAVE, LA_CODE))
    family = need.filter(pl.col("domain") == "family").row(0, named=True)
    assert family["secondary_high_need_percent"] == 14.0 and family["primary_symbol"] == "[c]"
    costs = pl.read_parquet(layout.table("services", "services_cost_per_participant", WAVE, LA_CODE))
    assert costs.filter(pl.col("participants") == 0)["cost_flag"].to_list() == ["no_participants"] * 2
    comparison = pl.read_parquet(layout.table("services", "services_cost_comparison", WAVE, LA_CODE))
    assert comparison.filter(pl.col("same_programme"))["service_id"].n_unique() >= 5
    coordination = pl.read_parquet(layout.table("services", "services_coordination", WAVE, LA_CODE))
    assert coordination["group_id"].n_unique() >= 4


def test_negative_spend_fails_the_run_naming_the_rows(
    tmp_path: Path, dagster_instance: dg.DagsterInstance
) -> None:
    import numpy as np

    from rcs_pipeline.synthetic.services import services_register

    register = services_register(LA_CODE, 1000, np.random.default_rng(1))
    register = register.with_columns(
        pl.when(pl.col("service_id") == "SRV003")
        .then(-50.0)
        .otherwise(pl.col("annual_spend_gbp"))
        .alias("annual_spend_gbp"),
        pl.when(pl.col("service_id") == "SRV004")
        .then(pl.lit("Specialist"))
        .otherwise(pl.col("level"))
        .alias("level"),
    )
    layout = land_services(tmp_path / "home", register=register, through_contract=False)
    result = dg.materialize(
        [services_assets.services_investment],
        partition_key=partition_key(WAVE, LA_CODE),
        resources={"settings": RcsSettings(home=str(layout.root))},
        instance=dagster_instance,
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert "annual_spend_gbp" in message and "rows 4" in message
    assert "'level'" in message and "'Specialist'" in message
    assert not layout.table("services", "services_investment", WAVE, LA_CODE).exists()
