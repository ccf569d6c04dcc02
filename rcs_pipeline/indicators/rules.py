"""The small rule language of the indicator catalogue, turned into Polars expressions by one function.

Example: {"at_least": 2, "of": [{"item": "lonely", "codes": [4, 5]}, {"item": "bullied_last_year", "codes": [1]}]}
is true for a pupil who is lonely often/always and was bullied; a missing answer never counts.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from rcs_pipeline.scoring.items import MISSING_CODES

Rule = dict[str, Any]


class RuleError(ValueError):
    """A catalogue rule that is not one of the documented forms."""


def has_answer(column: str) -> pl.Expr:
    """True when the column holds an answer: not null and (for numbers) not -7, -8 or -9."""
    col = pl.col(column)
    # Text (bands) and Boolean (flags) columns cast to null/1/0 here, so only real codes can match.
    return col.is_not_null() & ~col.cast(pl.Float64, strict=False).is_in(
        [float(c) for c in MISSING_CODES]
    ).fill_null(False)


def rule_expression(rule: Rule) -> pl.Expr:
    """The Boolean expression of a rule (never null: a missing answer is False)."""
    if "item" in rule:
        return _item_expression(rule)
    if "answered" in rule:
        return has_answer(rule["answered"])
    if "answered_any" in rule:
        return pl.any_horizontal([has_answer(c) for c in rule["answered_any"]])
    if "all" in rule:
        return pl.all_horizontal([rule_expression(r) for r in rule["all"]])
    if "any" in rule:
        return pl.any_horizontal([rule_expression(r) for r in rule["any"]])
    if "at_least" in rule:
        hits = [rule_expression(r).cast(pl.Int32) for r in rule["of"]]
        return pl.sum_horizontal(hits) >= int(rule["at_least"])
    raise RuleError(f"unknown rule {rule!r}: expected item, answered, answered_any, all, any or at_least")


def _item_expression(rule: Rule) -> pl.Expr:
    """`{item, codes}` or `{item, min, max}` as a Boolean that is False when the item is missing."""
    col = pl.col(rule["item"])
    if "codes" in rule:
        codes = rule["codes"]
        if all(isinstance(c, bool) for c in codes):
            expr = col.is_in([bool(c) for c in codes])
        elif all(isinstance(c, str) for c in codes):
            expr = col.cast(pl.String).is_in(codes)
        else:
            expr = col.is_in([int(c) for c in codes])
    elif "min" in rule or "max" in rule:
        expr = pl.lit(True)
        if "min" in rule:
            expr = expr & (col >= rule["min"])
        if "max" in rule:
            expr = expr & (col <= rule["max"])
        expr = expr & has_answer(rule["item"])
    else:
        raise RuleError(f"item rule {rule!r} needs codes, or min and/or max")
    return expr.fill_null(False)


def rule_columns(rule: Rule) -> set[str]:
    """Every column a rule reads (to check them against a frame before evaluating)."""
    if "item" in rule:
        return {rule["item"]}
    if "value" in rule:
        return {rule["value"]}
    if "answered" in rule:
        return {rule["answered"]}
    if "answered_any" in rule:
        return set(rule["answered_any"])
    children = rule.get("all") or rule.get("any") or rule.get("of") or []
    return set().union(*(rule_columns(r) for r in children)) if children else set()


def default_denominator(numerator: Rule) -> Rule | None:
    """`{answered: COL}` for a numerator on one column (item or value); None for a compound numerator."""
    column = numerator.get("item") or numerator.get("value")
    return {"answered": column} if column else None
