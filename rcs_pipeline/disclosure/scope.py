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
        expr = (
            pl.when(pl.col("geography_level") == level).then(_matches("breakdown", allowed)).otherwise(expr)
        )
    return expr


def estimates_in_scope(estimates: pl.DataFrame, scope: dict[str, Any] | None = None) -> pl.DataFrame:
    """The estimate rows that are published (e.g. schools: the whole school only, no breakdowns).

    Example: with scope {"school": ["all"]}, a school's by-sex rows are dropped and its `all` row kept.
    """
    scope = scope if scope is not None else load_rules()["publication_scope"]["estimates"]
    return estimates.filter(_breakdowns_in_scope(scope))


def _only_levels(levels: dict[str, Any]) -> pl.Expr:
    """Rows of the listed geography levels with their listed breakdowns; every other level is dropped."""
    expr = pl.lit(False)
    for level, allowed in levels.items():
        expr = expr | ((pl.col("geography_level") == level) & _matches("breakdown", allowed))
    return expr


def three_circles_in_scope(circles: pl.DataFrame, scope: dict[str, Any] | None = None) -> pl.DataFrame:
    """The three-circles rows that are published: the listed (need, service) pairs and breakdowns.

    A pair with `levels` is published only at those levels and breakdowns (within `breakdowns`).
    Example: pairs [{need: need_any, service: service_any}, {need: "*", service: service_any,
    levels: {council: [all]}}] publish the core table everywhere and each need only for the whole council.
    """
    scope = scope if scope is not None else load_rules()["publication_scope"]["three_circles"]
    pairs = pl.lit(False)
    for pair in scope["pairs"]:
        wanted = _matches("need", pair["need"]) & _matches("service", pair["service"])
        if "levels" in pair:
            wanted = wanted & _only_levels(pair["levels"])
        pairs = pairs | wanted
    return circles.filter(pairs & _breakdowns_in_scope(scope["breakdowns"]))


def response_rates_in_scope(rates: pl.DataFrame, scope: dict[str, Any] | None = None) -> pl.DataFrame:
    """The response-rate rows that are published: listed stages and sexes per level; no empty groups.

    A group with nobody on the roll and no respondent is no group: it has no statistic to withhold, and
    withholding it would only force further suppression of the real groups beside it.
    Example: with scope {"school": {"stage": ["all"], "sex": ["all"]}}, a school keeps its whole-school row.
    """
    scope = scope if scope is not None else load_rules()["publication_scope"]["response_rates"]
    keep = pl.lit(True)
    for level, allowed in scope.items():
        wanted = _matches("stage", allowed.get("stage", "*")) & _matches("sex", allowed.get("sex", "*"))
        keep = pl.when(pl.col("geography_level") == level).then(wanted).otherwise(keep)
    empty = (pl.col("roll") == 0) & (pl.col("respondents") == 0)
    return rates.filter(keep & ~empty)
