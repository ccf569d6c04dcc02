"""Response rates: respondents against the school roll by geography × instrument × stage × sex, with totals.

Only the surveyed stages count (P5–P7 for the primary survey, S1–S4 for the secondary); the instrument
of a roll row is the one that surveys its stage. `all` marks a total over instrument, stage or sex.
A respondent with no sex recorded counts in the sex totals only. Rates are derived, never stored.
"""

from __future__ import annotations

import duckdb
import polars as pl

from rcs_pipeline.estimates.domains import stage_instrument
from rcs_pipeline.schemas import schema

RESPONSE_RATES_SCHEMA = schema("response_rates")  # analysis/response_rates as the disclosure zone reads it
GEOGRAPHIES: dict[str, str] = {"council": "la_code", "cluster": "asg_code", "school": "seed_code"}
SPLITS: tuple[tuple[str, ...], ...] = (
    (),
    ("instrument",),
    ("instrument", "stage"),
    ("instrument", "sex"),
    ("instrument", "stage", "sex"),
)


def _counts_sql(source: str, measure: str) -> str:
    """GROUPING SETS counts of `measure` over every geography × split, labelled with 'all' for totals."""
    sets = [f"({', '.join([key, *split])})" for key in GEOGRAPHIES.values() for split in SPLITS]
    level = " ".join(f"WHEN GROUPING({key}) = 0 THEN '{lvl}'" for lvl, key in GEOGRAPHIES.items())
    code = " ".join(f"WHEN GROUPING({key}) = 0 THEN {key}" for key in GEOGRAPHIES.values())
    dims = ", ".join(
        f"CASE WHEN GROUPING({d}) = 0 THEN {d} ELSE 'all' END AS {d}" for d in ("instrument", "stage", "sex")
    )
    return f"""SELECT CASE {level} END AS geography_level, CASE {code} END AS geography_code, {dims},
                      SUM({measure}) AS value
               FROM {source} GROUP BY GROUPING SETS ({", ".join(sets)})"""


def response_rates(pupils: pl.DataFrame, schools: pl.DataFrame, school_roll: pl.DataFrame) -> pl.DataFrame:
    """The response_rates table (docs/tables.md) of one council from pupil_scores, schools and school_roll."""
    instruments = pl.DataFrame(
        {"stage": list(stage_instrument()), "instrument": list(stage_instrument().values())}
    )
    roll = (
        school_roll.select("seed_code", "stage", "sex", pl.col("pupils").cast(pl.Int64))
        .join(instruments, on="stage", how="inner")
        .join(schools.select("seed_code", "la_code", "asg_code"), on="seed_code", how="left")
    )
    respondents = pupils.select(
        "la_code", "asg_code", "seed_code", "instrument", "stage", "sex", one=pl.lit(1)
    )
    con = duckdb.connect(":memory:")
    try:
        con.sql("SET threads = 1")
        con.register("roll_rows", roll)
        con.register("respondent_rows", respondents)
        keys = "geography_level, geography_code, instrument, stage, sex"
        out = con.sql(f"""
            WITH r AS ({_counts_sql("roll_rows", "pupils")}),
                 s AS ({_counts_sql("respondent_rows", "one")})
            SELECT {keys}, COALESCE(r.value, 0) AS roll, COALESCE(s.value, 0) AS respondents
            FROM r FULL OUTER JOIN s USING ({keys})
            WHERE geography_code IS NOT NULL AND instrument IS NOT NULL AND stage IS NOT NULL AND sex IS NOT NULL
        """).pl()
    finally:
        con.close()
    return out.cast(RESPONSE_RATES_SCHEMA).sort(
        ["geography_level", "geography_code", "instrument", "stage", "sex"]
    )
