"""Which item codes count as an answer: -9/blank (not answered), -8 (don't know) and -7 (not asked) do not."""

from __future__ import annotations

import polars as pl

MISSING_CODES: tuple[int, ...] = (-9, -8, -7)


def answered(column: str) -> pl.Expr:
    """The item's code, or null when it is missing, don't know or not asked."""
    col = pl.col(column)
    return pl.when(col.is_in(MISSING_CODES)).then(None).otherwise(col)


def in_range(column: str, low: int, high: int) -> pl.Expr:
    """The item's code when it is a valid answer between low and high, else null (out-of-range is missing)."""
    col = answered(column)
    return pl.when(col.is_between(low, high)).then(col).otherwise(None)
