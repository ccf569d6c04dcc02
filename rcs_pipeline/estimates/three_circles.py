"""Need versus services, the "three circles": unweighted counts of each need × service combination.

For a need flag and a service flag, every respondent with both flags known falls in exactly one circle:
need_with_service, need_without_service, service_without_need, neither. `base` is the number of
respondents in the group with both flags known; a group whose base is 0 gets no rows. (A respondent not
linked to the admin extract has no service flags, one without an SDQ total no SDQ need flag: they are
outside that pair's base.)
Counts per council, cluster and school × breakdown group, in one GROUPING SETS query.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import polars as pl

from rcs_pipeline.estimates.domains import BREAKDOWNS, breakdown_label_sql, breakdown_projection_sql

CIRCLES: dict[str, str] = {
    "need_with_service": "{need} AND {service}",
    "need_without_service": "{need} AND NOT {service}",
    "service_without_need": "NOT {need} AND {service}",
    "neither": "NOT {need} AND NOT {service}",
}
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


def _pair_products(k: int, need: str, service: str) -> str:
    """Per-row 0/1 membership of each circle of pair k (null when either flag is unknown), computed once."""
    n, s = f'"{need}"', f'"{service}"'
    return ", ".join(
        f"CAST({rule.format(need=n, service=s)} AS INTEGER) AS c{k}_{name}" for name, rule in CIRCLES.items()
    )


def three_circles(pupils: pl.DataFrame, needs: Sequence[str], services: Sequence[str]) -> pl.DataFrame:
    """The three-circles table (docs/tables.md) of every need × service flag pair, geography and breakdown.

    One GROUPING SETS pass counts each school × breakdown group; clusters and councils are sums of their
    schools' counts (every school belongs to one cluster and one council).
    """
    if not needs or not services:
        return pl.DataFrame(schema=THREE_CIRCLES_SCHEMA)
    pairs = [(need, service) for need in needs for service in services]
    label, value = breakdown_label_sql()
    flags = ", ".join(f'CAST("{c}" AS BOOLEAN) AS "{c}"' for c in dict.fromkeys([*needs, *services]))
    columns = [f"c{k}_{circle}" for k in range(len(pairs)) for circle in CIRCLES]
    sums = ", ".join(f"CAST(SUM({c}) AS BIGINT) AS {c}" for c in columns)
    keys = ["la_code", "asg_code", "seed_code"]
    sets = ", ".join([f"({', '.join(keys)})"] + [f"({', '.join(keys)}, b_{b})" for b in BREAKDOWNS])
    con = duckdb.connect(":memory:")
    try:
        con.sql("SET threads = 1")
        con.register("pupils", pupils.select(*keys, *BREAKDOWNS, *dict.fromkeys([*needs, *services])))
        con.sql(f"""CREATE TEMP TABLE school_counts AS
            WITH f AS (SELECT {", ".join(keys)}, {breakdown_projection_sql()}, {flags} FROM pupils),
                 p AS (SELECT {", ".join(keys)}, {", ".join(f"b_{b}" for b in BREAKDOWNS)},
                              {", ".join(_pair_products(k, n, s) for k, (n, s) in enumerate(pairs))} FROM f)
            SELECT {", ".join(keys)}, {label} AS breakdown, {value} AS breakdown_value, {sums}
            FROM p GROUP BY GROUPING SETS ({sets})""")
        levels = {"school": "seed_code", "cluster": "asg_code", "council": "la_code"}
        con.sql(
            "CREATE TEMP TABLE wide AS "
            + " UNION ALL ".join(
                f"""SELECT '{level}' AS geography_level, {key} AS geography_code, breakdown, breakdown_value, {sums}
                FROM school_counts WHERE {key} IS NOT NULL AND breakdown_value IS NOT NULL
                GROUP BY {key}, breakdown, breakdown_value"""
                for level, key in levels.items()
            )
        )
        order = "geography_level, geography_code, breakdown, breakdown_value"
        wide = con.sql(f"SELECT * FROM wide ORDER BY {order}").pl()
    finally:
        con.close()
    return _one_row_per_circle(wide, pairs)


def _one_row_per_circle(wide: pl.DataFrame, pairs: list[tuple[str, str]]) -> pl.DataFrame:
    """The long table from one row per group with 4 counts per pair, ordered by group, need, service, circle.

    The groups arrive sorted and pairs are taken in (need, service) order, so the long rows come out in
    table order without sorting 4 × pairs × groups rows of text keys (that sort was most of the cost).
    A pair whose base is 0 in a group (nobody with both flags known) gives that group no rows.
    """
    order = sorted(range(len(pairs)), key=lambda k: pairs[k])
    columns = [f"c{k}_{circle}" for k in order for circle in CIRCLES]
    counts = wide.select(columns).fill_null(0).to_numpy().reshape(wide.height, len(pairs), len(CIRCLES))
    base = counts.sum(axis=2)
    group, pair = np.nonzero(base > 0)
    each = len(CIRCLES)
    keys = wide.select("geography_level", "geography_code", "breakdown", "breakdown_value")
    ids = keys[np.repeat(group, each)]
    needs = np.array([pairs[k][0] for k in order], dtype=object)
    services = np.array([pairs[k][1] for k in order], dtype=object)
    return ids.with_columns(
        need=pl.Series(np.repeat(needs[pair], each), dtype=pl.String),
        service=pl.Series(np.repeat(services[pair], each), dtype=pl.String),
        circle=pl.Series(np.tile(np.array(list(CIRCLES), dtype=object), group.size), dtype=pl.String),
        n=pl.Series(counts[group, pair].ravel(), dtype=pl.Int64),
        base=pl.Series(np.repeat(base[group, pair], each), dtype=pl.Int64),
    ).cast(THREE_CIRCLES_SCHEMA)
