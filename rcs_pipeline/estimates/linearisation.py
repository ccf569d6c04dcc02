"""Weighted sums per sampling unit and domain: everything Taylor linearisation needs, in one DuckDB pass.

A ratio (weighted mean or proportion) over a domain D is R = Σ w·y / Σ w over the respondents of D whose
value is not missing. Its linearised variable is z_i = w_i (y_i − R) / Σ_D w on D and 0 elsewhere, so the
variance only needs, per primary sampling unit (school) c and domain, the sums W_c = Σ w and
Y_c = Σ w·y; for the school designs (pupils as units) also Σ w², Σ w²·y and Σ w²·y² (then
Σ_i z_i² = (Σw²y² − 2RΣw²y + R²Σw²) / W²). One GROUPING SETS query gives them for every indicator and
breakdown at once; docs/methods/estimates.md has the derivation.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import polars as pl

from rcs_pipeline.estimates.domains import (
    BREAKDOWNS,
    breakdown_grouping_sets,
    breakdown_label_sql,
    breakdown_projection_sql,
)

SUM_COLUMNS: tuple[str, ...] = ("n", "n_positive", "sw", "swy", "sw2", "sw2y", "sw2y2")
UNIT_KEYS: tuple[str, ...] = ("la_code", "asg_code", "seed_code")


def in_design_sql() -> str:
    """Rows that belong to a design: a positive weight (a respondent without one cannot be estimated from)."""
    return "weight IS NOT NULL AND weight > 0"


def _aggregates_sql(indicator_id: str, kind: str) -> str:
    """The seven sums of one indicator column, named `<sum>__<indicator_id>`."""
    col = f'"ind_{indicator_id}"'
    known = f"{col} IS NOT NULL"
    positive = f"COUNT(*) FILTER ({col} > 0)" if kind == "proportion" else "CAST(NULL AS BIGINT)"
    parts = {
        "n": f"COUNT({col})",
        "n_positive": positive,
        "sw": f"SUM(weight) FILTER ({known})",
        "swy": f"SUM(weight * {col})",
        "sw2": f"SUM(weight * weight) FILTER ({known})",
        "sw2y": f"SUM(weight * weight * {col})",
        "sw2y2": f"SUM(weight * weight * {col} * {col})",
    }
    return ", ".join(f'{expr} AS "{name}__{indicator_id}"' for name, expr in parts.items())


def unit_sums_sql(indicator_types: Mapping[str, str], source: str = "pupils") -> str:
    """SQL of the wide per-school × breakdown-group sums (one column per sum × indicator)."""
    label, value = breakdown_label_sql()
    keys = list(UNIT_KEYS)
    aggregates = ", ".join(_aggregates_sql(i, k) for i, k in indicator_types.items())
    return f"""
        WITH p AS (
            SELECT la_code, asg_code, seed_code, weight, {breakdown_projection_sql()},
                   {", ".join(f'CAST("ind_{i}" AS DOUBLE) AS "ind_{i}"' for i in indicator_types)}
            FROM {source} WHERE {in_design_sql()}
        )
        SELECT {", ".join(keys)}, {label} AS breakdown, {value} AS breakdown_value, {aggregates}
        FROM p
        GROUP BY {breakdown_grouping_sets(keys)}
    """


def unit_sums(
    con: duckdb.DuckDBPyConnection, indicator_types: Mapping[str, str], source: str = "pupils"
) -> None:
    """Create table `unit_sums` (long: one row per school × breakdown group × indicator with n > 0)."""
    con.sql(f"CREATE OR REPLACE TEMP TABLE unit_wide AS {unit_sums_sql(indicator_types, source)}")
    selects = [
        f"""SELECT {", ".join(UNIT_KEYS)}, breakdown, breakdown_value, '{i}' AS indicator_id,
               {", ".join(f'"{s}__{i}" AS {s}' for s in SUM_COLUMNS)}
            FROM unit_wide WHERE breakdown_value IS NOT NULL AND "n__{i}" > 0"""
        for i in indicator_types
    ]
    if not selects:
        raise ValueError("no indicators to estimate: the catalogue gave an empty list")
    con.sql("CREATE OR REPLACE TEMP TABLE unit_sums AS " + " UNION ALL ".join(selects))
    con.sql("DROP TABLE unit_wide")


def design_units(con: duckdb.DuckDBPyConnection, source: str = "pupils") -> None:
    """Create `stratum_units` (PSUs per stratum) and `school_units` (respondents per school) of the full designs."""
    con.sql(f"""CREATE OR REPLACE TEMP TABLE stratum_units AS
        SELECT la_code, COUNT(DISTINCT seed_code) AS n_psu FROM {source} WHERE {in_design_sql()} GROUP BY la_code""")
    con.sql(f"""CREATE OR REPLACE TEMP TABLE school_units AS
        SELECT seed_code, COUNT(*) AS n_units FROM {source} WHERE {in_design_sql()} GROUP BY seed_code""")


def breakdown_columns() -> tuple[str, ...]:
    """The pupil_scores columns the breakdowns read."""
    return BREAKDOWNS


def required_columns(indicator_types: Mapping[str, str]) -> list[str]:
    """Columns of pupil_scores an estimate run reads."""
    return ["la_code", *UNIT_KEYS[1:], "weight", *BREAKDOWNS, *(f"ind_{i}" for i in indicator_types)]


def as_frame(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """A temp table as a Polars frame (tests and debugging)."""
    return con.sql(f"SELECT * FROM {table}").pl()
