"""The synthetic register looks like a CPP's and exercises every rule the services mapping needs."""

from __future__ import annotations

import numpy as np
import polars as pl

from rcs_pipeline.services.coordination import coordination_opportunities
from rcs_pipeline.services.validation import evidence_cost_problems, register_problems
from rcs_pipeline.synthetic.services import (
    EVIDENCE_COST_COLUMNS,
    REGISTER_COLUMNS,
    evidence_costs,
    services_register,
)


def _typed(register: pl.DataFrame) -> pl.DataFrame:
    return register.with_columns(pl.col("outcomes_in_contract") == "Y")


def test_register_follows_the_contract_and_passes_the_rules() -> None:
    register = services_register("S12000005", 5000, np.random.default_rng(7))
    assert tuple(register.columns) == REGISTER_COLUMNS
    assert register_problems(_typed(register)) == []
    assert register["service_id"].is_unique().all()
    assert set(register["outcomes_in_contract"]) == {"Y", "N"}
    costs = evidence_costs(np.random.default_rng(7))
    assert tuple(costs.columns) == EVIDENCE_COST_COLUMNS
    assert evidence_cost_problems(costs) == []
    assert set(costs["source"]) == {"synthetic"}


def test_register_is_realistic_for_a_cpp() -> None:
    register = services_register("S12000040", 20_000, np.random.default_rng(3))
    assert register.height >= 30
    assert set(register["provider_type"]) == {
        "LA education",
        "LA social work",
        "Health board",
        "Police",
        "Third sector",
        "Private",
    }
    spend = register.group_by("level").agg(pl.col("annual_spend_gbp").sum())
    targeted = spend.filter(pl.col("level").is_in(["Targeted", "Intensive"]))["annual_spend_gbp"].sum()
    assert targeted > 0.6 * register["annual_spend_gbp"].sum()
    assert {
        "Incredible Years",
        "Family Nurse Partnership",
        "PATHS",
        "Triple P",
        "Functional Family Therapy",
        "Multisystemic Therapy",
    } <= set(register["programme"].drop_nulls())
    assert (register["participants"] == 0).sum() >= 1
    assert coordination_opportunities(_typed(register)).height >= 4
    assert "NHS Lothian" in set(register["provider"])


def test_spend_scales_with_the_roll() -> None:
    small = services_register("S12000005", 1000, np.random.default_rng(1))["annual_spend_gbp"].sum()
    large = services_register("S12000005", 10_000, np.random.default_rng(1))["annual_spend_gbp"].sum()
    assert 9 < large / small < 11
