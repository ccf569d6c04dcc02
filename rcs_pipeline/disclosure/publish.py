"""Publishable tables: suppressed values nulled, `suppressed` set, display rounding applied.

The `publish_*` functions also say why each cell was withheld (`reason`: `min_group`, `min_cell` or
`secondary`). That column is never published: primary against secondary tells an attacker on which side of
`min_cell` a count lies (docs/methods/disclosure.md). `for_publication` drops it from every table that is
written to `published/`, and `suppression_reasons` keeps it in one internal table for the data team
(`disclosure/suppression_reasons/`), which no report, spreadsheet or service reads.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rcs_pipeline.disclosure.primary import SECONDARY

ESTIMATE_KEYS = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
CIRCLE_KEYS = [
    "geography_level",
    "geography_code",
    "breakdown",
    "breakdown_value",
    "need",
    "service",
    "circle",
]
RESPONSE_KEYS = ["geography_level", "geography_code", "instrument", "stage", "sex"]
LINKAGE_KEYS = ["instrument", "breakdown", "breakdown_value", "measure"]


def round_half_up(value: pl.Expr, decimals: int) -> pl.Expr:
    """Round half away from zero (the GSS convention), not to even; a tiny epsilon absorbs binary noise."""
    scale = 10.0**decimals
    return (value.sign() * ((value.abs() * scale + 0.5 + 1e-9).floor() / scale)).round(decimals)


def display(value: pl.Expr, unit: pl.Expr) -> pl.Expr:
    """Percentages as whole numbers; means to one decimal place."""
    return pl.when(unit == "percent").then(round_half_up(value * 100, 0)).otherwise(round_half_up(value, 1))


def hidden_column(frame: pl.DataFrame, var: str, mask: np.ndarray) -> pl.Series:
    """Boolean series: the row's variable `var` is hidden (null variable → False)."""
    ids = frame[var]
    out = np.zeros(frame.height, bool)
    present = ids.is_not_null().to_numpy()
    out[present] = mask[ids.drop_nulls().to_numpy()]
    return pl.Series(f"{var}_hidden", out)


def reason(*primary: str) -> pl.Expr:
    """First primary reason present, else `secondary` when the row is suppressed."""
    return pl.coalesce([pl.col(c) for c in primary]).fill_null(
        pl.when(pl.col("suppressed")).then(pl.lit(SECONDARY))
    )


def publish_estimates(est: pl.DataFrame, mask: np.ndarray) -> pl.DataFrame:
    """published_estimates: keys, unit, value, ci_low, ci_high, suppressed, reason, reliability.

    No estimate's own base `n` is published (issue 21; docs/methods/disclosure.md §4, "Bases"): an indicator
    every respondent answered would print n = the area's respondents, and so give away respondents the
    response table withholds. The base a reader sees is the area's respondents, printed once in
    published_response_rates. `reliability` ('low' or null, from the estimates) is carried for shown values
    only (reports print [u]).
    """
    if "reliability" not in est.columns:
        est = est.with_columns(pl.lit(None, pl.String).alias("reliability"))
    framed = est.with_columns(hidden_column(est, "n_var", mask), hidden_column(est, "p_var", mask))
    unit = pl.when(pl.col("n_positive").is_not_null()).then(pl.lit("percent")).otherwise(pl.lit("mean"))
    framed = framed.with_columns(unit=unit).with_columns(
        suppressed=pl.when(pl.col("unit") == "percent")
        .then(pl.col("p_var_hidden"))
        .otherwise(pl.col("n_var_hidden"))
    )
    n_reason = pl.when(pl.col("n_var_hidden")).then(pl.col("n_reason"))
    p_reason = pl.when(pl.col("suppressed")).then(pl.col("p_reason"))
    framed = framed.with_columns(n_reason=n_reason, p_reason=p_reason)
    shown = ~pl.col("suppressed")
    return framed.select(
        *ESTIMATE_KEYS,
        "unit",
        *[
            pl.when(shown).then(display(pl.col(src), pl.col("unit"))).alias(dst)
            for src, dst in (("estimate", "value"), ("ci_low", "ci_low"), ("ci_high", "ci_high"))
        ],
        "suppressed",
        reason("n_reason", "p_reason").alias("reason"),
        pl.when(shown).then(pl.col("reliability")).alias("reliability"),
    ).sort(ESTIMATE_KEYS)


def publish_three_circles(tc: pl.DataFrame, mask: np.ndarray) -> pl.DataFrame:
    """published_three_circles: keys, n, base, percent (of the base), suppressed, reason."""
    framed = tc.with_columns(hidden_column(tc, "c_var", mask), hidden_column(tc, "b_var", mask))
    framed = framed.with_columns(suppressed=pl.col("c_var_hidden") | pl.col("b_var_hidden"))
    return (
        framed.select(
            *CIRCLE_KEYS,
            pl.when(~pl.col("c_var_hidden")).then(pl.col("n")).alias("n"),
            pl.when(~pl.col("b_var_hidden")).then(pl.col("base")).alias("base"),
            pl.when(~pl.col("suppressed") & (pl.col("base") > 0))
            .then(round_half_up(pl.col("n") / pl.col("base") * 100, 0))
            .alias("percent"),
            "suppressed",
            reason(*[c for c in ("base_reason", "count_reason")]).alias("reason"),
        )
        .with_columns(reason=pl.when(pl.col("suppressed")).then(pl.col("reason")))
        .sort(CIRCLE_KEYS)
    )


def publish_response_rates(rr: pl.DataFrame, mask: np.ndarray) -> pl.DataFrame:
    """published_response_rates: columns, response_rate (percent of the roll), suppressed, reason."""
    framed = rr.with_columns(hidden_column(rr, "var", mask).alias("suppressed"))
    columns = [c for c in rr.columns if c not in ("var", "reason")]
    return framed.select(
        *[
            pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) if c == "respondents" else pl.col(c)
            for c in columns
        ],
        pl.when(~pl.col("suppressed") & (pl.col("roll") > 0))
        .then(round_half_up(pl.col("respondents") / pl.col("roll") * 100, 0))
        .alias("response_rate"),
        "suppressed",
        reason("reason").alias("reason"),
    ).sort(RESPONSE_KEYS)


def publish_linkage_quality(lq: pl.DataFrame, mask: np.ndarray) -> pl.DataFrame:
    """published_linkage_quality: columns with suppressed counts null, suppressed, reason."""
    framed = lq.with_columns(hidden_column(lq, "var", mask).alias("suppressed"))
    columns = [c for c in lq.columns if c not in ("var", "reason")]
    return framed.select(
        *[
            pl.when(~pl.col("suppressed")).then(pl.col(c)).alias(c) if c == "count" else pl.col(c)
            for c in columns
        ],
        "suppressed",
        reason("reason").alias("reason"),
    ).sort(LINKAGE_KEYS)


def suppression_shares(frame: pl.DataFrame) -> dict[str, float]:
    """Share of rows suppressed per geography level (a published table with `geography_level`)."""
    if frame.is_empty() or "geography_level" not in frame.columns:
        return {}
    shares = frame.group_by("geography_level").agg(pl.col("suppressed").mean()).sort("geography_level")
    return {
        row["geography_level"]: round(float(row["suppressed"]), 4) for row in shares.iter_rows(named=True)
    }


INTERNAL_COLUMNS = ("reason",)
"""Columns the publish functions compute that never reach a published file."""
TABLE_KEYS = {
    "published_estimates": ESTIMATE_KEYS,
    "published_comparator_estimates": ESTIMATE_KEYS,
    "published_three_circles": CIRCLE_KEYS,
    "published_response_rates": RESPONSE_KEYS,
    "published_linkage_quality": LINKAGE_KEYS,
}
REASONS_SCHEMA = {"table": pl.String(), "cell": pl.String(), "reason": pl.String()}


def for_publication(frame: pl.DataFrame) -> pl.DataFrame:
    """The table as it may be published: every suppressed cell is only `suppressed` (printed [c]), no reason."""
    return frame.drop([c for c in INTERNAL_COLUMNS if c in frame.columns])


def suppression_reasons(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Internal table (never published): per suppressed row of each published table, its keys and reason.

    Example: a suppressed published_estimates row -> table 'published_estimates', cell
    'sec_fruit_veg_daily | cluster | S12000005A02 | stage | S2', reason 'secondary'.
    """
    parts = [
        frame.filter(pl.col("suppressed")).select(
            pl.lit(name).alias("table"),
            pl.concat_str(
                [pl.col(k).cast(pl.String).fill_null("") for k in TABLE_KEYS[name]], separator=" | "
            ).alias("cell"),
            pl.col("reason").cast(pl.String),
        )
        for name, frame in tables.items()
        if "reason" in frame.columns and name in TABLE_KEYS
    ]
    return pl.concat(parts).sort("table", "cell") if parts else pl.DataFrame(schema=REASONS_SCHEMA)
