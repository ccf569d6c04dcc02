"""Pupil indicators by ASN reason group (rcs_pipeline/need/asn_groups.yaml), for the council as a whole.

A group ("social, emotional and behavioural", ...) is a domain of the council's census design like any
breakdown group, but groups overlap (a child can have reasons in several), so each is estimated as its
own breakdown `asn_<group>` with the one value `true`: the engine runs once per group with that group's
flag in the place of `any_asn`, and keeps the `any_asn = true` rows renamed. The design (strata, fpc,
every respondent) is the same in each run, so each row equals the engine's estimate of that domain.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from rcs_pipeline.estimates.survey_estimates import ESTIMATE_SCHEMA, SORT_KEYS, estimate_indicators
from rcs_pipeline.need.asn_groups import group_columns

CARRIER = "any_asn"  # the breakdown column each run borrows


def estimate_asn_groups(
    pupils: pl.DataFrame, types: Mapping[str, str], levels: tuple[str, ...] = ("council",)
) -> pl.DataFrame:
    """Estimates of every indicator for the children in each ASN reason group (breakdown asn_<id>, 'true')."""
    present = [c for c in group_columns() if c in pupils.columns]
    parts = []
    for column in present:
        borrowed = pupils.with_columns(pl.col(column).alias(CARRIER))
        est = estimate_indicators(borrowed, types, levels=levels)
        parts.append(
            est.filter((pl.col("breakdown") == CARRIER) & (pl.col("breakdown_value") == "true")).with_columns(
                pl.lit(column).alias("breakdown")
            )
        )
    if not parts:
        return pl.DataFrame(schema=ESTIMATE_SCHEMA)
    return pl.concat(parts).sort(SORT_KEYS)
