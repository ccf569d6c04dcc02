"""WEMWBS (14 items, 14-70) and SWEMWBS (7 items, raw 7-35, Rasch metric by the published table).

Both are complete-case scores: the Warwick guidance gives no prorating rule, so a respondent who leaves
any item unanswered (or answers -7/-8) has no score. Source: Warwick Medical School, "Guidance on
scoring" (warwick.ac.uk/fac/med/research/platform/wemwbs/researchers/guidance/): WEMWBS is the sum of the
14 item scores (1-5); SWEMWBS is the sum of its 7 items transformed by the conversion table.

Example: SWEMWBS items 4,4,4,4,4,4,5 -> raw 29 -> metric 26.02.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.scoring.items import in_range
from rcs_pipeline.scoring.reference import swemwbs_metric_table


def complete_sum(columns: list[str], low: int = 1, high: int = 5) -> pl.Expr:
    """Sum of the item codes when every item has a valid answer, else null."""
    items = [in_range(c, low, high) for c in columns]
    return (
        pl.when(pl.all_horizontal([i.is_not_null() for i in items]))
        .then(pl.sum_horizontal(items))
        .otherwise(None)
    )


def wemwbs_score(prefix: str = "wemwbs_") -> pl.Expr:
    """WEMWBS total 14-70 from items `<prefix>01`..`14` (complete cases)."""
    return complete_sum([f"{prefix}{i:02d}" for i in range(1, 15)]).cast(pl.Int16)


def swemwbs_raw_score(prefix: str = "swemwbs_") -> pl.Expr:
    """SWEMWBS raw total 7-35 from items `<prefix>01`..`07` (complete cases)."""
    return complete_sum([f"{prefix}{i:02d}" for i in range(1, 8)]).cast(pl.Int16)


def swemwbs_metric(raw: pl.Expr) -> pl.Expr:
    """The published metric score of a SWEMWBS raw total (null outside 7-35)."""
    table = swemwbs_metric_table()
    return raw.replace_strict(table["raw"], table["metric"], default=None, return_dtype=pl.Float64)


def score_swemwbs(frame: pl.DataFrame, prefix: str = "swemwbs_") -> pl.DataFrame:
    """Add `swemwbs_raw` (Int16) and `swemwbs_metric` (Float64) to `frame`."""
    return frame.with_columns(swemwbs_raw_score(prefix).alias("swemwbs_raw")).with_columns(
        swemwbs_metric(pl.col("swemwbs_raw")).alias("swemwbs_metric")
    )
