"""Cost per participant of every service and of every level (overall and within each domain).

A service that reached nobody in the year has no cost per participant: it is null and flagged
`no_participants`, never a division by zero. Level figures divide the spend of the services that reached
someone by the participants they reached; the spend of services without participants is reported beside
it. Participants are places, not children: a child reached by two services counts twice.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.services.codes import allowed
from rcs_pipeline.services.money import pence, share, sum_gbp
from rcs_pipeline.services.order import code_rank, sort_by_level_and_domain

FLAG_NO_PARTICIPANTS = "no_participants"
"""Cost flag: spend with no participants, so the cost per participant is undefined."""
FLAG_NO_SERVICES = "no_services"
"""Cost flag: no service at this level, so there is nothing to divide."""

SERVICE_COST_SCHEMA = {
    "service_id": pl.String,
    "service_name": pl.String,
    "provider": pl.String,
    "provider_type": pl.String,
    "funding_department": pl.String,
    "level": pl.String,
    "domain": pl.String,
    "target_group": pl.String,
    "evidence_rating": pl.String,
    "programme": pl.String,
    "annual_spend_gbp": pl.Float64,
    "participants": pl.Int64,
    "cost_per_participant_gbp": pl.Float64,
    "cost_flag": pl.String,
}
LEVEL_COST_SCHEMA = {
    "level": pl.String,
    "domain": pl.String,
    "services": pl.Int64,
    "services_without_participants": pl.Int64,
    "annual_spend_gbp": pl.Float64,
    "spend_without_participants_gbp": pl.Float64,
    "participants": pl.Int64,
    "cost_per_participant_gbp": pl.Float64,
    "cost_flag": pl.String,
}


def cost_per_participant(register: pl.DataFrame) -> pl.DataFrame:
    """One row per service: its spend, participants and cost per participant (null + flag when none took part).

    Example: £12,000 for 40 participants → 300.0; £5,000 for 0 participants → null, `no_participants`.
    """
    return (
        sort_by_level_and_domain(
            register.with_columns(pl.col("participants").cast(pl.Int64)).with_columns(
                share(pl.col("annual_spend_gbp"), pl.col("participants")).alias("cost_per_participant_gbp"),
                pl.when(pl.col("participants") == 0).then(pl.lit(FLAG_NO_PARTICIPANTS)).alias("cost_flag"),
            ),
            "service_id",
        )
        .select(list(SERVICE_COST_SCHEMA))
        .cast(SERVICE_COST_SCHEMA)
    )


def _level_totals(register: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Spend, participants and cost per participant of the services grouped by `keys`."""
    reached = pl.col("participants") > 0
    return (
        register.group_by(keys)
        .agg(
            services=pl.len().cast(pl.Int64),
            services_without_participants=(~reached).sum().cast(pl.Int64),
            annual_spend_gbp=sum_gbp(),
            spend_without_participants_gbp=(pence().filter(~reached).sum() / 100).cast(pl.Float64),
            participants=pl.col("participants").cast(pl.Int64).sum(),
        )
        .with_columns(
            share(
                pl.col("annual_spend_gbp") - pl.col("spend_without_participants_gbp"), pl.col("participants")
            ).alias("cost_per_participant_gbp"),
        )
    )


def cost_by_level(register: pl.DataFrame) -> pl.DataFrame:
    """Cost per participant for every level (`domain` = `all`, every level listed) and every level × domain present.

    Example: Targeted services of £10,000 for 20 and £6,000 for 0 participants give 500.0 per participant,
    with £6,000 of spend without participants beside it.
    """
    levels = pl.DataFrame({"level": list(allowed("levels"))})
    by_level = levels.join(_level_totals(register, ["level"]), on="level", how="left").with_columns(
        pl.lit("all").alias("domain"),
        pl.col("services", "services_without_participants", "participants").fill_null(0),
        pl.col("annual_spend_gbp", "spend_without_participants_gbp").fill_null(0.0),
    )
    by_domain = _level_totals(register, ["level", "domain"])
    frame = pl.concat(
        [by_level.select(list(LEVEL_COST_SCHEMA)[:-1]), by_domain.select(list(LEVEL_COST_SCHEMA)[:-1])],
        how="vertical_relaxed",
    )
    frame = frame.with_columns(
        pl.when(pl.col("services") == 0)
        .then(pl.lit(FLAG_NO_SERVICES))
        .when(pl.col("participants") == 0)
        .then(pl.lit(FLAG_NO_PARTICIPANTS))
        .alias("cost_flag"),
        (pl.col("domain") != "all").alias("_within"),  # a level's total before its domains
    )
    ordered = frame.sort(code_rank("level", "levels"), "_within", code_rank("domain", "domains"))
    return ordered.select(list(LEVEL_COST_SCHEMA)).cast(LEVEL_COST_SCHEMA)
