"""Design-based estimates of every indicator by geography and breakdown (docs/methods/estimates.md).

Example:
    >>> types = {"wemwbs_mean": "mean", "bullied": "proportion"}
    >>> est = estimate_indicators(pupil_scores, types)
    >>> est.columns[:6]
    ['indicator_id', 'geography_level', 'geography_code', 'breakdown', 'breakdown_value', 'n']
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import polars as pl

from rcs_pipeline.estimates.domains import BREAKDOWNS, COMPARATOR_LEVEL, GEOGRAPHY_LEVELS
from rcs_pipeline.estimates.intervals import with_intervals
from rcs_pipeline.estimates.linearisation import (
    answered_by_group,
    create_design_rows,
    design_strata,
    required_columns,
    unit_sums,
)
from rcs_pipeline.estimates.taylor import domain_estimates

ESTIMATE_SCHEMA: dict[str, pl.DataType] = {
    "indicator_id": pl.String(),
    "geography_level": pl.String(),
    "geography_code": pl.String(),
    "breakdown": pl.String(),
    "breakdown_value": pl.String(),
    "n": pl.Int64(),
    "n_positive": pl.Int64(),
    "estimate": pl.Float64(),
    "ci_low": pl.Float64(),
    "ci_high": pl.Float64(),
    "se": pl.Float64(),
    "df": pl.Int64(),
    "ci_status": pl.String(),
    "ci_method": pl.String(),
    "reliability": pl.String(),
}
SORT_KEYS = ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
INDICATOR_TYPES = ("proportion", "mean")


class IndicatorColumnError(ValueError):
    """pupil_scores lacks a column the catalogue or the breakdowns need."""


def indicator_types(catalogue: pl.DataFrame) -> dict[str, str]:
    """{indicator_id: 'proportion' | 'mean'} from the indicator catalogue, in catalogue order."""
    types = dict(zip(catalogue["indicator_id"].to_list(), catalogue["type"].to_list(), strict=True))
    bad = {i: t for i, t in types.items() if t not in INDICATOR_TYPES}
    if bad:
        raise ValueError(f"indicator catalogue: type must be one of {INDICATOR_TYPES}; got {bad}")
    return types


def connect(threads: int = 1) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection; one thread by default so floating sums are byte-reproducible."""
    con = duckdb.connect(":memory:")
    con.sql(f"SET threads = {int(threads)}")
    return con


def _check_columns(
    pupils: pl.DataFrame, types: Mapping[str, str], census: bool, breakdowns: tuple[str, ...] = BREAKDOWNS
) -> None:
    """Fail with the list of missing columns before any SQL runs."""
    if not breakdowns:
        raise ValueError("estimate_indicators: breakdowns must name at least one column")
    needed = required_columns(types, census) + [b for b in breakdowns if b not in BREAKDOWNS]
    missing = [c for c in needed if c not in pupils.columns]
    if missing:
        raise IndicatorColumnError(f"pupil_scores is missing columns needed for estimates: {missing}")


def _check_strata(con: duckdb.DuckDBPyConnection) -> None:
    """A weighting cell must have one roll: two rolls in a cell mean pupil_scores was not built by its weights."""
    bad = con.sql("SELECT COUNT(*) FROM strata WHERE fpc_values > 1").fetchall()[0][0]
    if bad:
        raise ValueError(f"pupil_scores: {bad} weighting cell(s) (weight_cell) carry more than one cell_roll")


def estimate_indicators(
    pupils: pl.DataFrame,
    types: Mapping[str, str],
    levels: tuple[str, ...] = GEOGRAPHY_LEVELS,
    census: bool = True,
    threads: int = 1,
    breakdowns: tuple[str, ...] = BREAKDOWNS,
) -> pl.DataFrame:
    """Estimates of every indicator × geography level × breakdown group, each a domain of one design.

    `census=True` (pupils): strata = la_code + weight_cell, fpc = cell_roll (docs/methods/estimates.md).
    `census=False`: one stratum per council, no fpc (pupils as a with-replacement sample: the pupil-level
    reference; parents have their own design, parent_design.py). `pupils` may hold several councils:
    their strata never mix, so council, cluster and school figures equal each council's own design. Add
    `'all_councils'` to `levels` for the comparator over every council in `pupils` (one design).
    `breakdowns` (default domains.BREAKDOWNS) names the columns grouped besides `all`, any column of
    `pupils` (e.g. the ASN group flags): a caller that keeps some breakdowns' rows need not sum the others
    (each group's figures are the same either way).
    """
    _check_columns(pupils, types, census, breakdowns)
    if not types:
        return pl.DataFrame(schema=ESTIMATE_SCHEMA)
    con = connect(threads)
    try:
        columns = required_columns(types, census) + (["instrument"] if "instrument" in pupils.columns else [])
        columns += [b for b in breakdowns if b not in columns]  # breakdowns beyond domains.BREAKDOWNS
        con.register("pupils", pupils.select(columns))
        create_design_rows(con, census=census)
        design_strata(con)
        _check_strata(con)
        unit_sums(
            con, types, row_groups=answered_by_group(pupils, types, "instrument"), breakdowns=breakdowns
        )
        raw = domain_estimates(con, levels).pl()
        ids = dict(enumerate(types))  # unit_sums numbers the indicators by their position in `types`
        raw = raw.with_columns(
            pl.col("indicator").replace_strict(ids, return_dtype=pl.String).alias("indicator_id")
        )
    finally:
        con.close()
    proportions = [i for i, t in types.items() if t == "proportion"]
    out = with_intervals(raw, pl.col("indicator_id").is_in(proportions))
    return out.select(ESTIMATE_SCHEMA.keys()).cast(ESTIMATE_SCHEMA).sort(SORT_KEYS)


def estimate_comparator(
    pupils: pl.DataFrame, types: Mapping[str, str], census: bool = True, threads: int = 1
) -> pl.DataFrame:
    """The all-councils comparator of a wave: one design over every council (strata la_code + cell)."""
    return estimate_indicators(pupils, types, levels=(COMPARATOR_LEVEL,), census=census, threads=threads)
