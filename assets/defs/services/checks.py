"""Blocking checks on the services tables: the figures a CPP planner reads must add up and never hide a
division by zero or turn a suppressed need figure into a number."""

import dagster as dg
import polars as pl

from assets.defs.services.assets import (
    services_cost_per_participant,
    services_investment,
    services_spend_against_need,
)
from assets.tables import table_check

SHARE_TOLERANCE = 1e-9


@table_check(
    services_investment,
    "services",
    "Within every breakdown the shares of spend add up to 1 (when anything was spent).",
)
def services_investment_shares_sum_to_one(table: pl.DataFrame) -> dg.AssetCheckResult:
    """Shares of each breakdown sum to one."""
    sums = (
        table.filter(pl.col("share_of_spend").is_not_null())
        .group_by("breakdown")
        .agg(pl.col("share_of_spend").sum().alias("total"))
    )
    off = sums.filter((pl.col("total") - 1).abs() > SHARE_TOLERANCE)
    return dg.AssetCheckResult(
        passed=off.is_empty(),
        metadata={"breakdowns_checked": sums.height, "breakdowns_off": off["breakdown"].sort().to_list()},
    )


@table_check(
    services_cost_per_participant,
    "services",
    "Every service with no participants has a null cost flagged `no_participants`, "
    "and every other service a cost equal to spend / participants.",
)
def services_cost_per_participant_zero_participants_flagged(table: pl.DataFrame) -> dg.AssetCheckResult:
    """Zero participants are flagged, never divided."""
    none = pl.col("participants") == 0
    bad = table.filter(
        (
            none
            & (pl.col("cost_per_participant_gbp").is_not_null() | (pl.col("cost_flag") != "no_participants"))
        )
        | (
            ~none
            & (
                (
                    pl.col("cost_per_participant_gbp") * pl.col("participants") - pl.col("annual_spend_gbp")
                ).abs()
                > 0.01
            )
        )
    )
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        metadata={
            "services": table.height,
            "flagged": int(table["cost_flag"].is_not_null().sum()),
            "inconsistent_service_ids": bad["service_id"].to_list(),
        },
    )


@table_check(
    services_spend_against_need,
    "services",
    "A suppressed need figure ([c]) carries no number and no base.",
)
def services_spend_against_need_suppressed_stay_withheld(table: pl.DataFrame) -> dg.AssetCheckResult:
    """Suppressed need figures have null percentages and bases."""
    leaks = sum(
        table.filter(
            (pl.col(f"{i}_symbol") == "[c]")
            & (pl.col(f"{i}_high_need_percent").is_not_null() | pl.col(f"{i}_n").is_not_null())
        ).height
        for i in ("secondary", "primary")
    )
    return dg.AssetCheckResult(passed=leaks == 0, metadata={"suppressed_with_a_number": leaks})
