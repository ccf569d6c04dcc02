"""Pupil indicators by ASN reason group (rcs_pipeline/need/asn_groups.yaml), for the council as a whole.

A group ("social, emotional and behavioural", ...) is a domain of the council's census design like any
breakdown group, but groups overlap (a child can have reasons in several), so each is estimated as its
own breakdown `asn_<group>` with the one value `true`: one engine run groups every group's flag column as
a breakdown of its own (besides `all`, and none of the usual breakdowns, whose rows would be dropped) and
keeps the `true` rows. The design (strata, fpc, every respondent) is the one of the council's estimates,
so each row equals the engine's estimate of that domain (the same figures, to the bit, as a run with the
group's flag in the place of `any_asn`: tests/reports/test_equalities_asn.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from rcs_pipeline.estimates.survey_estimates import ESTIMATE_SCHEMA, SORT_KEYS, estimate_indicators
from rcs_pipeline.need.asn_groups import group_columns


def estimate_asn_groups(
    pupils: pl.DataFrame, types: Mapping[str, str], levels: tuple[str, ...] = ("council",)
) -> pl.DataFrame:
    """Estimates of every indicator for the children in each ASN reason group (breakdown asn_<id>, 'true')."""
    present = tuple(c for c in group_columns() if c in pupils.columns)
    if not present:
        return pl.DataFrame(schema=ESTIMATE_SCHEMA)
    est = estimate_indicators(pupils, types, levels=levels, breakdowns=present)
    return est.filter(pl.col("breakdown").is_in(present) & (pl.col("breakdown_value") == "true")).sort(
        SORT_KEYS
    )
