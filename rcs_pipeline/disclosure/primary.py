"""Primary suppression (docs/architecture.md §8): small groups and small counts, as declarative rules over frames.

Each function adds reason columns (null | `min_group` | `min_cell`) to a copy of its table; it never
decides secondary suppression, which needs the whole wave (see secondary.py).
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.disclosure.settings import DisclosureSettings, load_rules, zeros_are_disclosive

MIN_GROUP = "min_group"
MIN_CELL = "min_cell"
SECONDARY = "secondary"
REASON_CODES = {None: 0, MIN_GROUP: 1, MIN_CELL: 2, SECONDARY: 3}


def small_count(count: pl.Expr, settings: DisclosureSettings, zeros: bool = False) -> pl.Expr:
    """A count between 1 and min_cell − 1; from 0 when zeros are disclosive (rules.yaml zeros_are_disclosive)."""
    return count.is_between(0 if zeros else 1, settings.min_cell - 1)


def group_or_cell(
    group: pl.Expr, counts: list[pl.Expr], settings: DisclosureSettings, zeros: bool = False
) -> pl.Expr:
    """`min_group` when the group is below min_group, else `min_cell` when any count is small, else null."""
    cell = pl.any_horizontal([small_count(c, settings, zeros) for c in counts]) if counts else pl.lit(False)
    return (
        pl.when(group < settings.min_group)
        .then(pl.lit(MIN_GROUP))
        .when(cell.fill_null(False))
        .then(pl.lit(MIN_CELL))
        .otherwise(pl.lit(None, pl.String))
    )


def complements_are_disclosive(table: str) -> bool:
    """Whether a count whose complement in its group is small is withheld too (rules.yaml; true if unset)."""
    return bool((load_rules().get("complements_are_disclosive") or {}).get(table, True))


def checked_counts(table: str, count: pl.Expr, complement: pl.Expr) -> list[pl.Expr]:
    """The counts the min_cell rule checks: the count, and its complement where the table's rule says so."""
    return [count, complement] if complements_are_disclosive(table) else [count]


def estimates_primary(estimates: pl.DataFrame, settings: DisclosureSettings) -> pl.DataFrame:
    """`n_reason` (the base) and `p_reason` (the statistic: numerator n_positive and n − n_positive).

    Example: n=25, n_positive=3 → n_reason null, p_reason 'min_cell'; n=12 → both 'min_group'.
    """
    n, p = pl.col("n"), pl.col("n_positive")
    return estimates.with_columns(
        n_reason=group_or_cell(n, [n], settings),
        p_reason=group_or_cell(
            n, checked_counts("estimates", p, n - p), settings, zeros_are_disclosive("estimates")
        ),
    )


def three_circles_primary(three_circles: pl.DataFrame, settings: DisclosureSettings) -> pl.DataFrame:
    """`base_reason` (the group size) and `count_reason` (the circle count and base − count)."""
    n, base = pl.col("n"), pl.col("base")
    return three_circles.with_columns(
        base_reason=group_or_cell(base, [base], settings),
        count_reason=group_or_cell(
            base,
            checked_counts("three_circles", n, base - n),
            settings,
            zeros_are_disclosive("three_circles"),
        ),
    )


def response_rates_primary(response_rates: pl.DataFrame, settings: DisclosureSettings) -> pl.DataFrame:
    """`reason` for respondents: a group of fewer than min_group respondents, or few of them; few
    non-respondents (roll − respondents) only where rules.yaml `complements_are_disclosive` says so."""
    resp, roll = pl.col("respondents"), pl.col("roll")
    zeros = zeros_are_disclosive("response_rates")
    counts = checked_counts("response_rates", resp, roll - resp)
    return response_rates.with_columns(reason=group_or_cell(resp, counts, settings, zeros))


def linkage_quality_primary(linkage_quality: pl.DataFrame, settings: DisclosureSettings) -> pl.DataFrame:
    """`reason` for each linkage count: its group (respondents, or admin records) small, or count small.

    The complement is taken within the group: respondents − count (admin_records − count for admin measures).
    """
    keys = ["instrument", "breakdown", "breakdown_value"]
    totals = linkage_quality.filter(pl.col("measure").is_in(["respondents", "admin_records"])).select(
        *keys,
        pl.col("measure").replace({"respondents": "survey", "admin_records": "admin"}).alias("_side"),
        pl.col("count").alias("_group"),
    )
    side = (
        pl.when(pl.col("measure").str.starts_with("admin")).then(pl.lit("admin")).otherwise(pl.lit("survey"))
    )
    framed = (
        linkage_quality.with_row_index("_order")
        .with_columns(_side=side)
        .join(totals, on=[*keys, "_side"], how="left")
    )
    group = pl.col("_group").fill_null(pl.col("count"))
    return (
        framed.with_columns(
            reason=group_or_cell(
                group,
                checked_counts("linkage_quality", pl.col("count"), group - pl.col("count")),
                settings,
                zeros_are_disclosive("linkage_quality"),
            )
        )
        .sort("_order")
        .drop("_order", "_side", "_group")
    )
