"""Coordination opportunities: services of different providers or departments that work in the same
domain, at the same level, with the same target group, so that planners can ask whether they should be
commissioned together.

Target groups are free text; they are matched after trimming, collapsing runs of spaces and ignoring case
(`"Young carers  8-18"` and `"young carers 8-18"` match), nothing looser, so that a match is a real overlap.
A blank target group says nothing about who a service is for, so it never matches anything, not even
another blank.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.services.money import sum_gbp
from rcs_pipeline.services.order import code_rank

COORDINATION_SCHEMA = {
    "group_id": pl.Int32,
    "domain": pl.String,
    "level": pl.String,
    "target_group": pl.String,
    "services_in_group": pl.Int64,
    "providers_in_group": pl.Int64,
    "departments_in_group": pl.Int64,
    "group_spend_gbp": pl.Float64,
    "group_participants": pl.Int64,
    "service_id": pl.String,
    "service_name": pl.String,
    "provider": pl.String,
    "provider_type": pl.String,
    "funding_department": pl.String,
    "annual_spend_gbp": pl.Float64,
    "participants": pl.Int64,
}


def target_group_key(column: str = "target_group") -> pl.Expr:
    """The matching key of a free-text target group: trimmed, single-spaced, lower case."""
    return pl.col(column).str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


def coordination_opportunities(register: pl.DataFrame) -> pl.DataFrame:
    """One row per service in a group of 2+ services sharing domain, level and target group whose providers
    or funding departments differ; groups numbered 1, 2, … in level, domain, target-group order.

    Example: a council family support team and a charity's family support service, both Early
    intervention / family / "Families with children 0-12 under stress", form one group of 2.
    """
    keys = ["domain", "level", "_target"]
    frame = register.with_columns(target_group_key().alias("_target"), pl.col("participants").cast(pl.Int64))
    frame = frame.filter(pl.col("_target").is_not_null() & (pl.col("_target") != ""))
    groups = (
        frame.group_by(keys)
        .agg(
            services_in_group=pl.len().cast(pl.Int64),
            providers_in_group=pl.col("provider").n_unique().cast(pl.Int64),
            departments_in_group=pl.col("funding_department").n_unique().cast(pl.Int64),
            group_spend_gbp=sum_gbp(),
            group_participants=pl.col("participants").sum(),
            # The label shown for the group: the first spelling in service order.
            target_group=pl.col("target_group").sort_by("service_id").first(),
        )
        .filter(
            (pl.col("services_in_group") >= 2)
            & ((pl.col("providers_in_group") >= 2) | (pl.col("departments_in_group") >= 2))
        )
        .sort(code_rank("level", "levels"), code_rank("domain", "domains"), "_target")
        .with_row_index("group_id", offset=1)
    )
    return (
        groups.join(frame.drop("target_group"), on=keys, how="inner")
        .sort("group_id", "service_id")
        .select(list(COORDINATION_SCHEMA))
        .cast(COORDINATION_SCHEMA)
    )
