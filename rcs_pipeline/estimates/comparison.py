"""A council's estimates beside the all-councils comparator of its wave and beside its own previous wave.

The comparator is its own wave-wide table (`comparator_estimates`); the trend is not stored: whoever
needs it (report, spreadsheet) reads the council's `estimates` of the previous wave that has one
(`previous_wave`) and joins it with `with_previous_wave`, so a corrected earlier wave is picked up
without re-running the later one.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

DOMAIN_KEYS = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
MATCH_KEYS = ["indicator_id", "breakdown", "breakdown_value"]
CARRIED = ["n", "estimate", "ci_low", "ci_high"]


def previous_wave(waves: Iterable[str], wave: str) -> str | None:
    """The latest wave before `wave` among `waves` (waves are 'YYYY-YY', so text order is time order)."""
    earlier = sorted(w for w in waves if w < wave)
    return earlier[-1] if earlier else None


def with_comparator(estimates: pl.DataFrame, comparator: pl.DataFrame) -> pl.DataFrame:
    """Add `comparator_n`, `comparator_estimate`, `comparator_ci_low`, `comparator_ci_high` by indicator × group."""
    right = comparator.select(*MATCH_KEYS, *(pl.col(c).alias(f"comparator_{c}") for c in CARRIED))
    return estimates.join(right, on=MATCH_KEYS, how="left", nulls_equal=False)


def with_previous_wave(
    estimates: pl.DataFrame, previous: pl.DataFrame | None, wave: str | None
) -> pl.DataFrame:
    """Add `previous_wave`, `previous_n`, `previous_estimate`, `previous_ci_low`, `previous_ci_high`.

    Rows match on the full domain key (same indicator, geography and group); a school or cluster that did
    not exist in the earlier wave, or an indicator added since, gets nulls. `change` is estimate minus
    previous estimate; `ci_overlap` says whether the two 95% intervals overlap (a conservative, plain
    reading of change for planners: non-overlap implies a difference significant at well under 5%).
    """
    names = [f"previous_{c}" for c in CARRIED]
    if previous is None or wave is None:
        return estimates.with_columns(
            pl.lit(None, pl.String).alias("previous_wave"),
            pl.lit(None, pl.Int64).alias("previous_n"),
            *(pl.lit(None, pl.Float64).alias(n) for n in names[1:]),
            pl.lit(None, pl.Float64).alias("change"),
            pl.lit(None, pl.Boolean).alias("ci_overlap"),
        )
    right = previous.select(*DOMAIN_KEYS, *(pl.col(c).alias(n) for c, n in zip(CARRIED, names, strict=True)))
    joined = estimates.join(right, on=DOMAIN_KEYS, how="left")
    return joined.with_columns(
        pl.when(pl.col("previous_n").is_not_null()).then(pl.lit(wave)).alias("previous_wave"),
        (pl.col("estimate") - pl.col("previous_estimate")).alias("change"),
        (
            (pl.col("ci_low") <= pl.col("previous_ci_high"))
            & (pl.col("previous_ci_low") <= pl.col("ci_high"))
        ).alias("ci_overlap"),
    ).select(*estimates.columns, "previous_wave", *names, "change", "ci_overlap")
