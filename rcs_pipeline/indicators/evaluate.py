"""Evaluate every catalogue indicator for every respondent: one `ind_<id>` column each."""

from __future__ import annotations

import json

import polars as pl

from rcs_pipeline.indicators.catalogue import CatalogueError, catalogue_columns, load_catalogue
from rcs_pipeline.indicators.rules import rule_expression


def indicator_expression(row: dict) -> pl.Expr:
    """`ind_<id>`: 1.0/0.0 for a proportion or the value for a mean inside the denominator, else null.

    The denominator is: the respondent answered this instrument, is in one of the indicator's stages (if
    any are listed), and satisfies the denominator rule.
    """
    numerator = json.loads(row["numerator"])
    in_base = (pl.col("instrument") == row["instrument"]) & rule_expression(json.loads(row["denominator"]))
    if row["stages"]:
        in_base = in_base & pl.col("stage").is_in(row["stages"])
    value = (
        pl.col(numerator["value"]).cast(pl.Float64)
        if row["type"] == "mean"
        else rule_expression(numerator).cast(pl.Float64)
    )
    return pl.when(in_base.fill_null(False)).then(value).otherwise(None).alias(f"ind_{row['indicator_id']}")


def evaluate_indicators(frame: pl.DataFrame, catalogue: pl.DataFrame | None = None) -> pl.DataFrame:
    """Add one Float64 `ind_<indicator_id>` column per catalogue row to `frame` (needs `instrument`, `stage`).

    Example: a secondary pupil with active_days_60min = 8 gets ind_sec_active_60min_7days = 1.0, a primary
    pupil gets null for it (not in the denominator).
    """
    catalogue = load_catalogue() if catalogue is None else catalogue
    needed = catalogue_columns(catalogue) | {"instrument"}
    if catalogue.filter(pl.col("stages").list.len() > 0).height:
        needed.add("stage")
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise CatalogueError(f"the frame lacks columns the indicator catalogue reads: {missing}")
    return frame.with_columns([indicator_expression(row) for row in catalogue.iter_rows(named=True)])
