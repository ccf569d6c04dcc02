"""Weighted sums per stratum and domain: everything Taylor linearisation needs, in one DuckDB pass.

A ratio (weighted mean or proportion) over a domain D is R = Σ w·y / Σ w over the respondents of D whose
value is not missing. Its linearised variable is z_i = w_i (y_i − R) / W_D on D and 0 elsewhere
(W_D = Σ_D w), so the stratified variance only needs, per stratum h and domain, Σ z = (Σwy − RΣw) / W_D
and Σ z² = (Σw²y² − 2RΣw²y + R²Σw²) / W_D². One GROUPING SETS query gives the sums Σw, Σwy, Σw², Σw²y,
Σw²y² per school × stratum × breakdown group for every indicator at once; clusters, councils and the
comparator add them up. Means are summed as y − c (`centres`), which leaves the variance unchanged and
keeps the expanded sums precise. docs/methods/estimates.md has the derivation.

The design (`census=True`, pupils): strata = la_code + weight_cell, fpc = cell_roll (R:
svydesign(ids=~1, strata=~weight_cell, fpc=~cell_roll)). The simple design (`census=False`, a reference):
one stratum per council, no fpc (R: svydesign(ids=~1, weights=~weight) per council).
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
UNIT_KEYS: tuple[str, ...] = ("la_code", "asg_code", "seed_code", "sid")
CENSUS_COLUMNS: tuple[str, ...] = ("weight_cell", "cell_roll")
# Separates la_code from weight_cell in a stratum's name (cells are unique within a council only).
STRATUM_SEPARATOR = "|"


def in_design_sql() -> str:
    """Rows that belong to a design: a positive weight (a respondent without one cannot be estimated from)."""
    return "weight IS NOT NULL AND weight > 0"


def create_design_rows(con: duckdb.DuckDBPyConnection, source: str = "pupils", census: bool = True) -> None:
    """View `design_rows`: the rows in the design, each with its `stratum` and finite population `fpc`.

    Census design: stratum = la_code | weight_cell, fpc = cell_roll. Otherwise one stratum per council
    and no fpc (NULL).
    """
    if census:
        stratum = f"la_code || '{STRATUM_SEPARATOR}' || weight_cell"
        fpc = "CAST(cell_roll AS DOUBLE)"
    else:
        stratum, fpc = "la_code", "CAST(NULL AS DOUBLE)"
    con.sql(f"""CREATE OR REPLACE TEMP VIEW design_rows AS
        SELECT *, {stratum} AS stratum, {fpc} AS fpc FROM {source} WHERE {in_design_sql()}""")


def centres(
    con: duckdb.DuckDBPyConnection, indicator_types: Mapping[str, str], source: str = "design_rows"
) -> dict[str, float]:
    """A centre per indicator subtracted from y before the sums: 0 for proportions, the rounded mean for means.

    The variance is the same for y and y − c, but its expanded sums (Σw²y², (Σwy)², ...) lose fewer digits
    to cancellation when y is near 0: a mean score of 50 would otherwise leave noise of about 1e-7 in an SE.
    Rounded to a whole number, so integer scores stay exact after subtraction. Proportions keep c = 0 so
    that p = 0 and p = 1 come out exactly.
    """
    means = [i for i, kind in indicator_types.items() if kind == "mean"]
    out = {i: 0.0 for i in indicator_types}
    if means:
        averages = ", ".join(f'ROUND(AVG(CAST("ind_{i}" AS DOUBLE)))' for i in means)
        row = con.sql(f"SELECT {averages} FROM {source}").fetchall()[0]
        out |= {i: float(v) if v is not None else 0.0 for i, v in zip(means, row, strict=True)}
    return out


def _products_sql(j: int, indicator_id: str, centre: float = 0.0) -> str:
    """Per-row products of indicator j (centred), computed once before the grouping sets (not once per set)."""
    col = f'(CAST("ind_{indicator_id}" AS DOUBLE) - {centre!r})'
    return ", ".join(
        [
            f"{col} AS y{j}",
            f"CASE WHEN {col} IS NOT NULL THEN weight END AS k{j}",
            f"weight * {col} AS wy{j}",
            f"CASE WHEN {col} IS NOT NULL THEN weight * weight END AS kk{j}",
            f"weight * weight * {col} AS wwy{j}",
            f"weight * weight * {col} * {col} AS wwyy{j}",
        ]
    )


def _aggregates_sql(j: int, kind: str) -> str:
    """The sums of indicator j, named `<sum>__<j>`; proportions' y² = y, so Σw²y² is Σw²y."""
    parts = {
        "n": f"COUNT(y{j})",
        "n_positive": f"CAST(SUM(y{j}) AS BIGINT)" if kind == "proportion" else "CAST(NULL AS BIGINT)",
        "sw": f"SUM(k{j})",
        "swy": f"SUM(wy{j})",
        "sw2": f"SUM(kk{j})",
        "sw2y": f"SUM(wwy{j})",
        "sw2y2": f"SUM(wwy{j})" if kind == "proportion" else f"SUM(wwyy{j})",
    }
    return ", ".join(f'{expr} AS "{name}__{j}"' for name, expr in parts.items())


def unit_sums_sql(
    indicator_types: Mapping[str, str],
    source: str = "design_rows",
    centre: Mapping[str, float] | None = None,
    breakdowns: tuple[str, ...] = BREAKDOWNS,
) -> str:
    """SQL of the wide per-school × stratum × breakdown-group sums (one column per sum × indicator position)."""
    label, value = breakdown_label_sql(breakdowns)
    keys = list(UNIT_KEYS)
    items = list(indicator_types.items())
    centre = centre or {}
    products = ", ".join(_products_sql(j, i, centre.get(i, 0.0)) for j, (i, _) in enumerate(items))
    aggregates = ", ".join(_aggregates_sql(j, k) for j, (_, k) in enumerate(items))
    return f"""
        WITH p AS (
            SELECT {", ".join(keys)}, {breakdown_projection_sql(breakdowns)}, {products}
            FROM {source}
        )
        SELECT {", ".join(keys)}, {label} AS breakdown, {value} AS breakdown_value, {aggregates}
        FROM p
        GROUP BY {breakdown_grouping_sets(keys, breakdowns)}
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
    source: str = "design_units",
    row_groups: Mapping[str, list[str]] | None = None,
    breakdowns: tuple[str, ...] = BREAKDOWNS,
) -> None:
    """Create table `unit_sums` (long: one row per school × stratum × breakdown group × indicator with n > 0).

    `indicator` is the indicator's position in `indicator_types` (SMALLINT; cheaper than its name).
    `breakdowns` (default every one of domains.BREAKDOWNS) names the breakdowns grouped besides `all`.

    `row_groups` ({SQL condition on the rows: their answered indicators}, from `answered_by_group`) lets
    each instrument's rows be aggregated over its own indicators only: a pupil has no answer to another
    instrument's indicators, so the sums are the same and the work halves.
    """
    if not indicator_types:
        raise ValueError("no indicators to estimate: the catalogue gave an empty list")
    groups = row_groups or {"TRUE": list(indicator_types)}
    centre = centres(con, indicator_types, source)
    positions = {i: k for k, i in enumerate(indicator_types)}
    parts = []
    for k, (condition, ids) in enumerate(groups.items()):
        if not ids:
            continue
        types = {i: indicator_types[i] for i in ids}
        rows = f"(SELECT * FROM {source} WHERE {condition})"
        con.sql(
            f"CREATE OR REPLACE TEMP TABLE unit_wide_{k} AS {unit_sums_sql(types, rows, centre, breakdowns)}"
        )
        parts += [
            f"""SELECT {", ".join(UNIT_KEYS)}, breakdown, breakdown_value,
                   CAST({positions[i]} AS SMALLINT) AS indicator,
                   {", ".join(f'"{s}__{j}" AS {s}' for s in SUM_COLUMNS)}, {centre[i]!r} AS centre
                FROM unit_wide_{k} WHERE breakdown_value IS NOT NULL AND "n__{j}" > 0"""
            for j, i in enumerate(ids)
        ]
    union = " UNION ALL ".join(parts) if parts else _empty_unit_sums_sql()
    sums = ", ".join(f"SUM({s}) AS {s}" for s in SUM_COLUMNS) + ", MAX(centre) AS centre"
    keys = f"{', '.join(UNIT_KEYS)}, breakdown, breakdown_value, indicator"
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
    keys = ", ".join(f"CAST(NULL AS VARCHAR) AS {k}" for k in UNIT_KEYS[:-1])
    return (
        f"SELECT {keys}, CAST(NULL AS INTEGER) AS sid, CAST(NULL AS VARCHAR) AS breakdown, "
        f"CAST(NULL AS VARCHAR) AS breakdown_value, CAST(NULL AS SMALLINT) AS indicator, {cols}, "
        "CAST(NULL AS DOUBLE) AS centre WHERE FALSE"
    )


def design_strata(con: duckdb.DuckDBPyConnection, source: str = "design_rows") -> None:
    """Create `strata` (each stratum's integer `sid`, n_h in the full design, N_h, c_h, flags) and view `design_units`.

    `nested`: the stratum lies within one school (every cell but the pooled ones), so a unit row of
    `unit_sums` is the whole of its stratum within its domain and needs no further adding up.
    `design_units` is `design_rows` with each row's `sid` (an integer is cheaper to group on than the name).
    """
    con.sql(f"""CREATE OR REPLACE TEMP TABLE strata AS
        WITH s AS (
            SELECT stratum, CAST(ROW_NUMBER() OVER (ORDER BY stratum) AS INTEGER) AS sid, COUNT(*) AS n_h,
                   MAX(fpc) AS fpc_h, COUNT(DISTINCT fpc) AS fpc_values,
                   COUNT(DISTINCT COALESCE(seed_code, '')) = 1 AS nested
            FROM {source} GROUP BY stratum
        )
        SELECT *,
               -- c_h = (1 − n_h/N_h) n_h/(n_h − 1): 1 without fpc; 0 for a single respondent (no term)
               CASE WHEN n_h < 2 THEN 0.0
                    ELSE COALESCE(1.0 - n_h / fpc_h, 1.0) * n_h / (n_h - 1.0) END AS c,
               CASE WHEN n_h < 2 THEN 0.0
                    ELSE COALESCE(1.0 - n_h / fpc_h, 1.0) / (n_h - 1.0) END AS c_n,
               n_h < 2 AND (fpc_h IS NULL OR fpc_h > n_h) AS lonely,
               fpc_h IS NOT NULL AND fpc_h < n_h AS over_roll
        FROM s""")
    con.sql(f"""CREATE OR REPLACE TEMP VIEW design_units AS
        SELECT d.*, s.sid FROM {source} d JOIN strata s USING (stratum)""")


def breakdown_columns() -> tuple[str, ...]:
    """The pupil_scores columns the breakdowns read."""
    return BREAKDOWNS


def required_columns(indicator_types: Mapping[str, str], census: bool = True) -> list[str]:
    """Columns a frame needs for an estimate run (`instrument`, when present, is read too)."""
    design = list(CENSUS_COLUMNS) if census else []
    return [
        "la_code", "asg_code", "seed_code", "weight", *design, *BREAKDOWNS,
        *(f"ind_{i}" for i in indicator_types),
    ]  # fmt: skip


def as_frame(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """A temp table as a Polars frame (tests and debugging)."""
    return con.sql(f"SELECT * FROM {table}").pl()
