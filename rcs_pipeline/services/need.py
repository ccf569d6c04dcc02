"""Spend against need: each domain's share of the CPP's investment beside the share of its pupils with high
need in that domain, read from the published (disclosure-controlled) council estimates.

Only published figures are used (this zone never sees pupil-level data). A suppressed estimate stays
suppressed: its percentage is null and its symbol `[c]`, never 0. An indicator the council's published
table does not hold (e.g. no primary survey that wave) is `[x]`, not available.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.services.codes import read_codes
from rcs_pipeline.services.display import SYMBOL_NOT_AVAILABLE, SYMBOL_SUPPRESSED
from rcs_pipeline.services.money import share, sum_gbp

INSTRUMENTS = {"secondary": "secondary_need_indicator", "primary": "primary_need_indicator"}

NEED_SCHEMA = {
    "domain": pl.String,
    "label": pl.String,
    "services": pl.Int64,
    "annual_spend_gbp": pl.Float64,
    "share_of_spend": pl.Float64,
    "secondary_indicator_id": pl.String,
    "secondary_high_need_percent": pl.Float64,
    "secondary_n": pl.Int64,
    "secondary_symbol": pl.String,
    "primary_indicator_id": pl.String,
    "primary_high_need_percent": pl.Float64,
    "primary_n": pl.Int64,
    "primary_symbol": pl.String,
}


def council_need_estimates(published: pl.DataFrame, rates: pl.DataFrame | None = None) -> pl.DataFrame:
    """The council-wide, whole-group rows of a published estimates table: indicator_id, value, n, suppressed.

    No estimate's own base is published: `n` is the survey's council respondents as the published response
    table `rates` prints them (null where it withholds them, or without `rates`), the base every report prints
    (docs/methods/disclosure.md §4, "Bases").
    """
    from rcs_pipeline.reports.lookup import with_area_bases

    council = published.filter(
        (pl.col("geography_level") == "council")
        & (pl.col("breakdown") == "all")
        & (pl.col("breakdown_value") == "all")
    )
    based = with_area_bases(council, rates) if rates is not None else council.with_columns(n=pl.lit(None))
    return based.select(
        "indicator_id",
        pl.col("value").cast(pl.Float64),
        pl.col("n").cast(pl.Int64),
        pl.col("suppressed").cast(pl.Boolean),
    )


def _need_columns(domains: pl.DataFrame, need: pl.DataFrame, instrument: str) -> pl.DataFrame:
    """One instrument's high-need percentage, base and GSS symbol per domain."""
    indicator = INSTRUMENTS[instrument]
    joined = domains.select("domain", pl.col(indicator).alias(f"{instrument}_indicator_id")).join(
        need.rename({"indicator_id": f"{instrument}_indicator_id"}),
        on=f"{instrument}_indicator_id",
        how="left",
    )
    withheld = pl.col("suppressed").fill_null(False)
    return joined.select(
        "domain",
        f"{instrument}_indicator_id",
        pl.when(withheld).then(None).otherwise(pl.col("value")).alias(f"{instrument}_high_need_percent"),
        pl.when(withheld).then(None).otherwise(pl.col("n")).alias(f"{instrument}_n"),
        pl.when(withheld)
        .then(pl.lit(SYMBOL_SUPPRESSED))
        .when(pl.col("value").is_null())
        .then(pl.lit(SYMBOL_NOT_AVAILABLE))
        .alias(f"{instrument}_symbol"),
    )


def spend_against_need(
    register: pl.DataFrame, published: pl.DataFrame, rates: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per domain: services, spend and share of all spend, beside the published % of pupils with high need.

    Example: family services take £600 of £1,000 (share 0.6) while 12% of secondary pupils have high
    family need; a suppressed primary figure prints `[c]` with a null percentage.
    """
    domains = read_codes("domains")
    total = register.select(sum_gbp()).item() if register.height else 0.0
    spend = register.group_by("domain").agg(services=pl.len().cast(pl.Int64), annual_spend_gbp=sum_gbp())
    need = council_need_estimates(published, rates)
    frame = (
        domains.select("domain", "label", "order")
        .join(spend, on="domain", how="left")
        .with_columns(pl.col("services").fill_null(0), pl.col("annual_spend_gbp").fill_null(0.0))
        .with_columns(share(pl.col("annual_spend_gbp"), pl.lit(total)).alias("share_of_spend"))
    )
    for instrument in INSTRUMENTS:
        frame = frame.join(_need_columns(domains, need, instrument), on="domain", how="left")
    return frame.sort("order").select(list(NEED_SCHEMA)).cast(NEED_SCHEMA)
