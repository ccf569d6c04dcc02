"""Money arithmetic that gives the same answer whatever the row order: sums in whole pence."""

from __future__ import annotations

import polars as pl


def pence(column: str = "annual_spend_gbp") -> pl.Expr:
    """A GBP column as whole pence (Int64), so sums do not depend on the order rows are added in."""
    return (pl.col(column) * 100).round(0).cast(pl.Int64)


def sum_gbp(column: str = "annual_spend_gbp") -> pl.Expr:
    """Exact sum of a GBP column (to the penny), as Float64 pounds."""
    return (pence(column).sum() / 100).cast(pl.Float64)


def share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """part / whole, null (undefined) when the whole is zero rather than a silent division by zero."""
    return pl.when(whole > 0).then(part / whole).otherwise(None)
