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


# A respondent without a school (a parent of a child not yet at school) is a sampling unit of its own:
# its seed_code becomes a unique label starting with this marker, never published as a school.
OWN_UNIT_MARKER = "~"


def in_design_sql() -> str:
    """Rows that belong to a design: a positive weight (a respondent without one cannot be estimated from)."""
    return "weight IS NOT NULL AND weight > 0"


def create_design_rows(con: duckdb.DuckDBPyConnection, source: str = "pupils") -> None:
    """View `design_rows`: the rows in the design, each with its sampling unit in seed_code.

    Pupils always have a school. A parent of a child not at school has no seed_code and is taken as a
    unit of its own (R: ids = ~psu with psu the school, else the respondent).
    """
    con.sql(f"""CREATE OR REPLACE TEMP VIEW design_rows AS
        SELECT * REPLACE (COALESCE(seed_code, '{OWN_UNIT_MARKER}' || CAST(row_number() OVER () AS VARCHAR)) AS seed_code)
        FROM {source} WHERE {in_design_sql()}""")


def _products_sql(j: int, indicator_id: str, unit_sums_of_squares: bool) -> str:
    """Per-row products of indicator j, computed once before the grouping sets (not once per set)."""
    col = f'CAST("ind_{indicator_id}" AS DOUBLE)'
    parts = [
        f"{col} AS y{j}",
        f"CASE WHEN {col} IS NOT NULL THEN weight END AS k{j}",
        f"weight * {col} AS wy{j}",
    ]
    if unit_sums_of_squares:
        parts += [
            f"CASE WHEN {col} IS NOT NULL THEN weight * weight END AS kk{j}",
            f"weight * weight * {col} AS wwy{j}",
            f"weight * weight * {col} * {col} AS wwyy{j}",
        ]
    return ", ".join(parts)


def _aggregates_sql(j: int, kind: str, unit_sums_of_squares: bool) -> str:
    """The sums of indicator j, named `<sum>__<j>`; proportions' y² = y, so Σw²y² is Σw²y."""
    parts = {
        "n": f"COUNT(y{j})",
        "n_positive": f"CAST(SUM(y{j}) AS BIGINT)" if kind == "proportion" else "CAST(NULL AS BIGINT)",
        "sw": f"SUM(k{j})",
        "swy": f"SUM(wy{j})",
    }
    if unit_sums_of_squares:
        parts |= {
            "sw2": f"SUM(kk{j})",
            "sw2y": f"SUM(wwy{j})",
            "sw2y2": f"SUM(wwy{j})" if kind == "proportion" else f"SUM(wwyy{j})",
        }
    else:
        parts |= {s: "CAST(NULL AS DOUBLE)" for s in ("sw2", "sw2y", "sw2y2")}
    return ", ".join(f'{expr} AS "{name}__{j}"' for name, expr in parts.items())


def unit_sums_sql(
    indicator_types: Mapping[str, str], source: str = "pupils", unit_sums_of_squares: bool = True
) -> str:
    """SQL of the wide per-school × breakdown-group sums (one column per sum × indicator position)."""
    label, value = breakdown_label_sql()
    keys = list(UNIT_KEYS)
    items = list(indicator_types.items())
    products = ", ".join(_products_sql(j, i, unit_sums_of_squares) for j, (i, _) in enumerate(items))
    aggregates = ", ".join(_aggregates_sql(j, k, unit_sums_of_squares) for j, (_, k) in enumerate(items))
    return f"""
        WITH p AS (
            SELECT la_code, asg_code, seed_code, {breakdown_projection_sql()}, {products}
            FROM {source}
        )
        SELECT {", ".join(keys)}, {label} AS breakdown, {value} AS breakdown_value, {aggregates}
        FROM p
        GROUP BY {breakdown_grouping_sets(keys)}
    """


def answered_by_group(
    pupils: pl.DataFrame, indicator_types: Mapping[str, str], by: str
) -> dict[str, list[str]]:
    """{SQL condition on `by` (the instrument): the indicators with at least one answer among those rows}."""
    if by not in pupils.columns or not indicator_types:
        return {"TRUE": list(indicator_types)}
    flags = pupils.group_by(by).agg(pl.col(f"ind_{i}").is_not_null().any().alias(i) for i in indicator_types)
    out = {}
    for row in flags.sort(by, nulls_last=True).iter_rows(named=True):
        value = row[by]
        condition = (
            f"{by} IS NULL" if value is None else f"{by} = '{str(value).replace(chr(39), chr(39) * 2)}'"
        )
        out[condition] = [i for i in indicator_types if row[i]]
    return out


def unit_sums(
    con: duckdb.DuckDBPyConnection,
    indicator_types: Mapping[str, str],
    source: str = "design_rows",
    unit_sums_of_squares: bool = True,
    row_groups: Mapping[str, list[str]] | None = None,
) -> None:
    """Create table `unit_sums` (long: one row per school × breakdown group × indicator with n > 0).

    `row_groups` ({SQL condition on the rows: their answered indicators}, from `answered_by_group`) lets each instrument's rows be aggregated over its
    own indicators only: a pupil has no answer to another instrument's indicators, so the sums are the
    same and the work halves. Sums of squares (for the school designs) can be left out (comparator).
    """
    if not indicator_types:
        raise ValueError("no indicators to estimate: the catalogue gave an empty list")
    groups = row_groups or {"TRUE": list(indicator_types)}
    parts = []
    for k, (condition, ids) in enumerate(groups.items()):
        if not ids:
            continue
        types = {i: indicator_types[i] for i in ids}
        rows = f"(SELECT * FROM {source} WHERE {condition})"
        con.sql(
            f"CREATE OR REPLACE TEMP TABLE unit_wide_{k} AS {unit_sums_sql(types, rows, unit_sums_of_squares)}"
        )
        parts += [
            f"""SELECT {", ".join(UNIT_KEYS)}, breakdown, breakdown_value, '{i}' AS indicator_id,
                   {", ".join(f'"{s}__{j}" AS {s}' for s in SUM_COLUMNS)}
                FROM unit_wide_{k} WHERE breakdown_value IS NOT NULL AND "n__{j}" > 0"""
            for j, i in enumerate(ids)
        ]
    union = " UNION ALL ".join(parts) if parts else _empty_unit_sums_sql()
    sums = ", ".join(f"SUM({s}) AS {s}" for s in SUM_COLUMNS)
    keys = f"{', '.join(UNIT_KEYS)}, breakdown, breakdown_value, indicator_id"
    listed = [i for ids in groups.values() for i in ids]
    if len(listed) == len(set(listed)):  # each indicator from one row group: nothing to add up
        con.sql(f"CREATE OR REPLACE TEMP TABLE unit_sums AS {union}")
    else:
        con.sql(
            f"CREATE OR REPLACE TEMP TABLE unit_sums AS SELECT {keys}, {sums} FROM ({union}) GROUP BY {keys}"
        )
    for k in range(len(groups)):
        con.sql(f"DROP TABLE IF EXISTS unit_wide_{k}")


def _empty_unit_sums_sql() -> str:
    """An empty unit_sums relation (no indicator has an answer)."""
    cols = ", ".join(f"CAST(NULL AS DOUBLE) AS {s}" for s in SUM_COLUMNS)
    return f"SELECT {', '.join(f'CAST(NULL AS VARCHAR) AS {k}' for k in UNIT_KEYS)}, CAST(NULL AS VARCHAR) AS breakdown, CAST(NULL AS VARCHAR) AS breakdown_value, CAST(NULL AS VARCHAR) AS indicator_id, {cols} WHERE FALSE"


def design_units(con: duckdb.DuckDBPyConnection, source: str = "design_rows") -> None:
    """Create `stratum_units` (PSUs per stratum) and `school_units` (respondents per school) of the full designs."""
    con.sql(f"""CREATE OR REPLACE TEMP TABLE stratum_units AS
        SELECT la_code, COUNT(DISTINCT seed_code) AS n_psu FROM {source} GROUP BY la_code""")
    con.sql(f"""CREATE OR REPLACE TEMP TABLE school_units AS
        SELECT seed_code, COUNT(*) AS n_units FROM {source} GROUP BY seed_code""")


def breakdown_columns() -> tuple[str, ...]:
    """The pupil_scores columns the breakdowns read."""
    return BREAKDOWNS


def required_columns(indicator_types: Mapping[str, str]) -> list[str]:
    """Columns of pupil_scores an estimate run needs (`instrument`, when present, is read too)."""
    return ["la_code", *UNIT_KEYS[1:], "weight", *BREAKDOWNS, *(f"ind_{i}" for i in indicator_types)]


def as_frame(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """A temp table as a Polars frame (tests and debugging)."""
    return con.sql(f"SELECT * FROM {table}").pl()
