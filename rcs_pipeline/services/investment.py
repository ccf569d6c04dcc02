"""Total annual investment in children's services and how it splits: by level, provider type, domain,
department, evidence rating and outcomes in the contract, with shares of the total and spend per child
on the school roll.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rcs_pipeline.services.codes import EVIDENCE_BASED, labels, level_group_of
from rcs_pipeline.services.money import share, sum_gbp

BREAKDOWNS: tuple[str, ...] = (
    "all",
    "level_group",
    "level",
    "provider_type",
    "domain",
    "funding_department",
    "evidence_rating",
    "outcomes_in_contract",
)
"""Breakdowns of the investment table, in print order. Closed code lists list every code, even at £0."""

_CODE_LIST_OF = {
    "level_group": "level_groups",
    "level": "levels",
    "provider_type": "provider_types",
    "domain": "domains",
    "evidence_rating": "evidence_ratings",
}
_OUTCOMES_LABELS = {
    "Y": "Outcomes in the contract",
    "N": "No outcomes in the contract",
    "not known": "Not known",
}

INVESTMENT_SCHEMA = {
    "breakdown": pl.String,
    "breakdown_value": pl.String,
    "label": pl.String,
    "services": pl.Int64,
    "services_without_participants": pl.Int64,
    "annual_spend_gbp": pl.Float64,
    "share_of_spend": pl.Float64,
    "spend_per_child_gbp": pl.Float64,
    "participants": pl.Int64,
    "roll_total": pl.Int64,
}


def _with_breakdown_columns(register: pl.DataFrame) -> pl.DataFrame:
    """The register with one text column per breakdown (`all`, the level group, outcomes as Y/N/not known)."""
    return register.with_columns(
        pl.lit("all").alias("all"),
        pl.col("level").replace_strict(level_group_of(), default=None).alias("level_group"),
        pl.when(pl.col("outcomes_in_contract"))
        .then(pl.lit("Y"))
        .when(~pl.col("outcomes_in_contract"))
        .then(pl.lit("N"))
        .otherwise(pl.lit("not known"))
        .alias("outcomes_in_contract"),
    )


def _values_and_labels(breakdown: str, present: list[str]) -> list[tuple[str, str]]:
    """(value, label) of every row a breakdown prints: its whole code list, or the values present, sorted."""
    if breakdown in _CODE_LIST_OF:
        return list(labels(_CODE_LIST_OF[breakdown]).items())
    if breakdown == "all":
        return [("all", "All services")]
    if breakdown == "outcomes_in_contract":
        return [(v, _OUTCOMES_LABELS[v]) for v in ("Y", "N", "not known") if v != "not known" or v in present]
    return [(v, v) for v in sorted(present)]


def investment_by(register: pl.DataFrame, roll_total: int) -> pl.DataFrame:
    """Spend, services, participants, share of total spend and spend per child for every breakdown value.

    Example: two services of £300 (Universal) and £100 (Targeted) on a roll of 50 give the row
    (level, Universal): annual_spend_gbp 300, share_of_spend 0.75, spend_per_child_gbp 6.0.
    Shares are null when the total is £0 and spend per child is null when the roll is 0.
    """
    frame = _with_breakdown_columns(register)
    total = frame.select(sum_gbp()).item() if frame.height else 0.0
    parts = []
    for order, breakdown in enumerate(BREAKDOWNS):
        grouped = (
            frame.group_by(breakdown)
            .agg(
                services=pl.len().cast(pl.Int64),
                services_without_participants=(pl.col("participants") == 0).sum().cast(pl.Int64),
                annual_spend_gbp=sum_gbp(),
                participants=pl.col("participants").cast(pl.Int64).sum(),
            )
            .rename({breakdown: "breakdown_value"})
        )
        rows = _values_and_labels(breakdown, grouped["breakdown_value"].drop_nulls().to_list())
        keys = pl.DataFrame(
            {
                "breakdown_value": [v for v, _ in rows],
                "label": [lab for _, lab in rows],
                "_row": list(range(len(rows))),
            },
            schema={"breakdown_value": pl.String, "label": pl.String, "_row": pl.Int64},
        )
        parts.append(
            keys.join(grouped, on="breakdown_value", how="left").with_columns(
                pl.lit(breakdown).alias("breakdown"), pl.lit(order).alias("_order")
            )
        )
    return (
        pl.concat(parts, how="diagonal_relaxed")
        .sort("_order", "_row")
        .with_columns(
            pl.col("services", "services_without_participants", "participants").fill_null(0),
            pl.col("annual_spend_gbp").fill_null(0.0),
        )
        .with_columns(
            share(pl.col("annual_spend_gbp"), pl.lit(total)).alias("share_of_spend"),
            share(pl.col("annual_spend_gbp"), pl.lit(roll_total)).alias("spend_per_child_gbp"),
            pl.lit(roll_total, pl.Int64).alias("roll_total"),
        )
        .select(list(INVESTMENT_SCHEMA))
        .cast(INVESTMENT_SCHEMA)
    )


@dataclass(frozen=True)
class InvestmentHeadlines:
    """The headline figures of a CPP's investment, read from the investment table."""

    total_spend_gbp: float
    roll_total: int
    spend_per_child_gbp: float | None
    prevention_share: float | None
    targeted_intensive_share: float | None
    evidence_based_share: float | None
    outcomes_in_contract_share: float | None
    services: int
    services_without_participants: int


def _row(investment: pl.DataFrame, breakdown: str, value: str) -> dict:
    """The investment-table row of one breakdown value."""
    rows = investment.filter((pl.col("breakdown") == breakdown) & (pl.col("breakdown_value") == value))
    return rows.row(0, named=True)


def investment_headlines(investment: pl.DataFrame) -> InvestmentHeadlines:
    """Total, spend per child, and the prevention, targeted, evidence-based and outcomes-in-contract shares."""
    whole = _row(investment, "all", "all")
    return InvestmentHeadlines(
        total_spend_gbp=whole["annual_spend_gbp"],
        roll_total=whole["roll_total"],
        spend_per_child_gbp=whole["spend_per_child_gbp"],
        prevention_share=_row(investment, "level_group", "prevention_early")["share_of_spend"],
        targeted_intensive_share=_row(investment, "level_group", "targeted_intensive")["share_of_spend"],
        evidence_based_share=_row(investment, "evidence_rating", EVIDENCE_BASED)["share_of_spend"],
        outcomes_in_contract_share=_row(investment, "outcomes_in_contract", "Y")["share_of_spend"],
        services=whole["services"],
        services_without_participants=whole["services_without_participants"],
    )
