"""Each service's (and each level × domain's) cost per participant beside the evidence-based alternatives
of the same domain and level: the difference, the ratio, and how many participants the same spend would
reach at the alternative's cost.

A subject with no participants keeps its undefined cost (null difference and ratio, flag carried over),
but what its spend would buy at the alternative's cost is still shown. A subject with no alternative of
its domain and level keeps one row with the alternative columns null.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.services.money import pence
from rcs_pipeline.services.order import code_rank

COMPARISON_SCHEMA = {
    "scope": pl.String,
    "service_id": pl.String,
    "service_name": pl.String,
    "provider": pl.String,
    "programme": pl.String,
    "level": pl.String,
    "domain": pl.String,
    "annual_spend_gbp": pl.Float64,
    "participants": pl.Int64,
    "cost_per_participant_gbp": pl.Float64,
    "cost_flag": pl.String,
    "alternative_programme": pl.String,
    "alternative_cost_gbp": pl.Float64,
    "alternative_source": pl.String,
    "same_programme": pl.Boolean,
    "difference_gbp": pl.Float64,
    "ratio": pl.Float64,
    "participants_at_alternative_cost": pl.Int64,
}
SCOPES = ("service", "level_domain")


def _level_domain_subjects(level_costs: pl.DataFrame) -> pl.DataFrame:
    """The level × domain rows of the level cost table as comparison subjects (service columns null)."""
    return level_costs.filter(pl.col("domain") != "all").select(
        pl.lit("level_domain").alias("scope"),
        pl.lit(None, pl.String).alias("service_id"),
        pl.lit(None, pl.String).alias("service_name"),
        pl.lit(None, pl.String).alias("provider"),
        pl.lit(None, pl.String).alias("programme"),
        "level",
        "domain",
        "annual_spend_gbp",
        "participants",
        "cost_per_participant_gbp",
        "cost_flag",
    )


def _service_subjects(service_costs: pl.DataFrame) -> pl.DataFrame:
    """The per-service cost rows as comparison subjects."""
    return service_costs.select(
        pl.lit("service").alias("scope"),
        "service_id",
        "service_name",
        "provider",
        "programme",
        "level",
        "domain",
        "annual_spend_gbp",
        "participants",
        "cost_per_participant_gbp",
        "cost_flag",
    )


def _normalised(column: str) -> pl.Expr:
    """A programme name compared without case or surrounding spaces."""
    return pl.col(column).str.strip_chars().str.to_lowercase()


def compare_with_alternatives(
    service_costs: pl.DataFrame, level_costs: pl.DataFrame, evidence_costs: pl.DataFrame
) -> pl.DataFrame:
    """Every service and level × domain beside each evidence-based alternative of its domain and level.

    Example: a service spending £30,000 on 20 participants (£1,500 each) beside an alternative at £1,200
    gives difference 300.0, ratio 1.25 and 25 participants at the alternative's cost.
    """
    subjects = pl.concat(
        [_service_subjects(service_costs), _level_domain_subjects(level_costs)], how="vertical_relaxed"
    )
    alternatives = evidence_costs.select(
        "domain",
        "level",
        pl.col("programme").alias("alternative_programme"),
        pl.col("cost_per_participant_gbp").cast(pl.Float64).alias("alternative_cost_gbp"),
        pl.col("source").alias("alternative_source"),
    )
    joined = subjects.join(alternatives, on=["domain", "level"], how="left")
    has_alt = pl.col("alternative_cost_gbp").is_not_null()
    frame = joined.with_columns(
        pl.when(has_alt)
        .then(
            pl.col("programme").is_not_null()
            & (_normalised("programme") == _normalised("alternative_programme")).fill_null(False)
        )
        .alias("same_programme"),
        (pl.col("cost_per_participant_gbp") - pl.col("alternative_cost_gbp")).alias("difference_gbp"),
        (pl.col("cost_per_participant_gbp") / pl.col("alternative_cost_gbp")).alias("ratio"),
        # Whole participants the same money buys, in exact integer pence (no 2.9999 → 2 surprises).
        pl.when(has_alt)
        .then(pence("annual_spend_gbp") // pence("alternative_cost_gbp"))
        .alias("participants_at_alternative_cost"),
    )
    return (
        frame.sort(
            pl.col("scope").replace_strict({s: i for i, s in enumerate(SCOPES)}, return_dtype=pl.Int32),
            code_rank("level", "levels"),
            code_rank("domain", "domains"),
            "service_id",
            "alternative_cost_gbp",
            "alternative_programme",
            nulls_last=True,
        )
        .select(list(COMPARISON_SCHEMA))
        .cast(COMPARISON_SCHEMA)
    )
