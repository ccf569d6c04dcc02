"""Need versus services, the "three circles": unweighted counts of each need × service combination.

For a need flag and a service flag, every respondent with both flags known falls in exactly one circle:
need_with_service, need_without_service, service_without_need, neither. `base` is the number of
respondents in the group with both flags known (a respondent not linked to the admin extract has no
service flags, one without an SDQ total no SDQ need flag: they are outside that pair's base).
Counts per council, cluster and school × breakdown group, in one GROUPING SETS query.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from rcs_pipeline.estimates.domains import (
    BREAKDOWNS,
    breakdown_label_sql,
    breakdown_projection_sql,
)

CIRCLES: dict[str, str] = {
    "need_with_service": "{need} AND {service}",
    "need_without_service": "{need} AND NOT {service}",
    "service_without_need": "NOT {need} AND {service}",
    "neither": "NOT {need} AND NOT {service}",
}
GEOGRAPHY_KEYS: dict[str, str] = {"council": "la_code", "cluster": "asg_code", "school": "seed_code"}
THREE_CIRCLES_SCHEMA: dict[str, pl.DataType] = {
    "geography_level": pl.String(),
    "geography_code": pl.String(),
    "breakdown": pl.String(),
    "breakdown_value": pl.String(),
    "need": pl.String(),
    "service": pl.String(),
    "circle": pl.String(),
    "n": pl.Int64(),
    "base": pl.Int64(),
}


def _grouping_sets() -> str:
    """Every geography level × (all + each breakdown)."""
    sets = []
    for key in GEOGRAPHY_KEYS.values():
        sets.append(f"({key})")
        sets.extend(f"({key}, b_{b})" for b in BREAKDOWNS)
    return "GROUPING SETS (" + ", ".join(sets) + ")"


def _pair_aggregates(k: int, need: str, service: str) -> str:
    """Counts of the four circles and the base of one need × service pair (columns c<k>_<circle>, c<k>_base)."""
    n, s = f'"{need}"', f'"{service}"'
    parts = [
        f"COUNT(*) FILTER ({rule.format(need=n, service=s)}) AS c{k}_{name}" for name, rule in CIRCLES.items()
    ]
    parts.append(f"COUNT(*) FILTER ({n} IS NOT NULL AND {s} IS NOT NULL) AS c{k}_base")
    return ", ".join(parts)


def three_circles(pupils: pl.DataFrame, needs: Sequence[str], services: Sequence[str]) -> pl.DataFrame:
    """The three-circles table (docs/tables.md) of every need × service flag pair, geography and breakdown."""
    if not needs or not services:
        return pl.DataFrame(schema=THREE_CIRCLES_SCHEMA)
    pairs = [(need, service) for need in needs for service in services]
    label, value = breakdown_label_sql()
    level = " ".join(f"WHEN GROUPING({key}) = 0 THEN '{lvl}'" for lvl, key in GEOGRAPHY_KEYS.items())
    code = " ".join(f"WHEN GROUPING({key}) = 0 THEN {key}" for key in GEOGRAPHY_KEYS.values())
    flags = ", ".join(f'CAST("{c}" AS BOOLEAN) AS "{c}"' for c in dict.fromkeys([*needs, *services]))
    con = duckdb.connect(":memory:")
    try:
        con.sql("SET threads = 1")
        con.register(
            "pupils", pupils.select("la_code", "asg_code", "seed_code", *BREAKDOWNS, *needs, *services)
        )
        con.sql(f"""CREATE TEMP TABLE wide AS
            WITH p AS (SELECT la_code, asg_code, seed_code, {breakdown_projection_sql()}, {flags} FROM pupils)
            SELECT CASE {level} END AS geography_level, CASE {code} END AS geography_code,
                   {label} AS breakdown, {value} AS breakdown_value,
                   {", ".join(_pair_aggregates(k, n, s) for k, (n, s) in enumerate(pairs))}
            FROM p GROUP BY {_grouping_sets()}""")
        selects = [
            f"""SELECT geography_level, geography_code, breakdown, breakdown_value, '{need}' AS need,
                       '{service}' AS service, '{circle}' AS circle, c{k}_{circle} AS n, c{k}_base AS base
                FROM wide WHERE geography_code IS NOT NULL AND breakdown_value IS NOT NULL"""
            for k, (need, service) in enumerate(pairs)
            for circle in CIRCLES
        ]
        out = con.sql(" UNION ALL ".join(selects)).pl()
    finally:
        con.close()
    circle_order = pl.Enum(list(CIRCLES))
    return out.cast(THREE_CIRCLES_SCHEMA).sort(
        [
            "geography_level",
            "geography_code",
            "breakdown",
            "breakdown_value",
            "need",
            "service",
            pl.col("circle").cast(circle_order),
        ]
    )
