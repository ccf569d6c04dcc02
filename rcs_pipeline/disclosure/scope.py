"""The publication scope: which rows of the analysis tables are published at all (rules.yaml)."""

from __future__ import annotations

from typing import Any

import polars as pl

from rcs_pipeline.disclosure.settings import load_rules


def _matches(column: str, allowed: Any) -> pl.Expr:
    """`column` is `allowed` (one value or a list), or anything when allowed is "*"."""
    if allowed == "*":
        return pl.lit(True)
    return pl.col(column).is_in([allowed] if isinstance(allowed, str) else list(allowed))


def _breakdowns_in_scope(by_level: dict[str, Any]) -> pl.Expr:
    """Rows whose breakdown is published at their geography level; unlisted levels are published whole."""
    expr = pl.lit(True)
    for level, allowed in by_level.items():
        expr = pl.when(pl.col("geography_level") == level).then(_matches("breakdown", allowed)).otherwise(expr)
    return expr


def estimates_in_scope(estimates: pl.DataFrame, scope: dict[str, Any] | None = None) -> pl.DataFrame:
    """The estimate rows that are published (e.g. schools: the whole school only, no breakdowns).

    Example: with scope {"school": ["all"]}, a school's by-sex rows are dropped and its `all` row kept.
    """
    scope = scope if scope is not None else load_rules()["publication_scope"]["estimates"]
    return estimates.filter(_breakdowns_in_scope(scope))


def three_circles_in_scope(circles: pl.DataFrame, scope: dict[str, Any] | None = None) -> pl.DataFrame:
    """The three-circles rows that are published: the listed (need, service) pairs and breakdowns."""
    scope = scope if scope is not None else load_rules()["publication_scope"]["three_circles"]
    pairs = pl.lit(False)
    for pair in scope["pairs"]:
        pairs = pairs | (_matches("need", pair["need"]) & _matches("service", pair["service"]))
    return circles.filter(pairs & _breakdowns_in_scope(scope["breakdowns"]))
