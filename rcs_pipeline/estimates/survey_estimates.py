"""Design-based estimates of every indicator by geography and breakdown (DESIGN §7; docs/methods/estimates.md).

Example:
    >>> types = {"wemwbs_mean": "mean", "bullied": "proportion"}
    >>> est = estimate_indicators(pupil_scores, types, school_rolls(school_roll))
    >>> est.columns[:6]
    ['indicator_id', 'geography_level', 'geography_code', 'breakdown', 'breakdown_value', 'n']
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import polars as pl

from rcs_pipeline.estimates.domains import COMPARATOR_LEVEL, GEOGRAPHY_LEVELS, SURVEYED_STAGES
from rcs_pipeline.estimates.intervals import with_intervals
from rcs_pipeline.estimates.linearisation import (
    answered_by_group,
    create_design_rows,
    design_units,
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


def school_rolls(school_roll: pl.DataFrame) -> pl.DataFrame:
    """Roll per school over the surveyed stages (P5–P7, S1–S4): the N of each school's design."""
    stages = [s for stages in SURVEYED_STAGES.values() for s in stages]
    return (
        school_roll.filter(pl.col("stage").is_in(stages))
        .group_by("seed_code")
        .agg(roll=pl.col("pupils").cast(pl.Float64).sum())
        .sort("seed_code")
    )


def connect(threads: int = 1) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection; one thread by default so floating sums are byte-reproducible."""
    con = duckdb.connect(":memory:")
    con.sql(f"SET threads = {int(threads)}")
    return con


def _check_columns(pupils: pl.DataFrame, types: Mapping[str, str]) -> None:
    """Fail with the list of missing columns before any SQL runs."""
    missing = [c for c in required_columns(types) if c not in pupils.columns]
    if missing:
        raise IndicatorColumnError(f"pupil_scores is missing columns needed for estimates: {missing}")


def estimate_indicators(
    pupils: pl.DataFrame,
    types: Mapping[str, str],
    rolls: pl.DataFrame | None = None,
    levels: tuple[str, ...] = GEOGRAPHY_LEVELS,
    threads: int = 1,
) -> pl.DataFrame:
    """Estimates of every indicator × geography level × breakdown group, each council its own design.

    `pupils` may hold one or several councils (each is a stratum of its own design); `rolls`
    (seed_code, roll) gives the finite population correction of the school designs (a school missing
    from it gets no interval); `rolls=None` means no correction (parents, whose population is unknown). Add `'all_councils'` to `levels` for the
    comparator over every council in `pupils` (councils as strata of one design).
    """
    _check_columns(pupils, types)
    if not types:
        return pl.DataFrame(schema=ESTIMATE_SCHEMA)
    con = connect(threads)
    try:
        columns = required_columns(types) + (["instrument"] if "instrument" in pupils.columns else [])
        con.register("pupils", pupils.select(columns))
        if rolls is not None:
            con.register("school_rolls", rolls.select("seed_code", pl.col("roll").cast(pl.Float64)))
        create_design_rows(con)
        school_level = "school" in levels
        unit_sums(
            con,
            types,
            unit_sums_of_squares=school_level,
            row_groups=answered_by_group(pupils, types, "instrument"),
        )
        design_units(con)
        raw = domain_estimates(con, levels, fpc=rolls is not None).pl()
    finally:
        con.close()
    proportions = [i for i, t in types.items() if t == "proportion"]
    out = with_intervals(raw, pl.col("indicator_id").is_in(proportions))
    return out.select(ESTIMATE_SCHEMA.keys()).cast(ESTIMATE_SCHEMA).sort(SORT_KEYS)


def estimate_comparator(pupils: pl.DataFrame, types: Mapping[str, str], threads: int = 1) -> pl.DataFrame:
    """The all-councils comparator of a wave: one design with councils as strata, every breakdown."""
    return estimate_indicators(pupils, types, levels=(COMPARATOR_LEVEL,), threads=threads)
