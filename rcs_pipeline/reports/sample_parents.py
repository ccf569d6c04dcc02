"""Made-up published parent rows and equality-field linkage counts for the sample tables (not statistics).

Parent estimates follow the parent design's published shape (docs/methods/parents.md): council by child's
age band, sex, SIMD quintile, urban/rural and parent-reported need; clusters overall and by sex; the
all-councils comparator; the previous wave's council figures. Linkage counts add the parent survey and
the equality fields of the admin side (instrument `any`) and the survey side by sex, as
published_linkage_quality holds them; council pupil estimates by ASN reason group. All drawn unsuppressed:
`sample_tables.sample_published` protects them with the other tables (`protect_council`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from rcs_pipeline.need.asn_groups import group_columns
from rcs_pipeline.reports.inputs import ESTIMATE_SCHEMA, LINKAGE_QUALITY_SCHEMA, PublishedTables
from rcs_pipeline.reports.sample_tables import (
    DRAWN_ESTIMATE_SCHEMA,
    SampleIndicator,
    _centre,
    _estimate_row,
    sample_indicators,
)

PARENT_BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "child_age_band": ("0-2", "3-4", "5-8"),
    "sex": ("F", "M"),
    "simd_quintile": ("1", "2", "3", "4", "5"),
    "urban_rural_2fold": ("urban", "rural"),
    "need_sdq_high": ("true", "false"),
}
ADMIN_FIELDS: dict[str, tuple[str, ...]] = {
    "sex": ("F", "M", "X", "unknown"),
    "simd_quintile": ("1", "2", "3", "4", "5", "unknown"),
    "urban_rural_8fold": ("1", "2", "3", "4", "5", "6", "7", "8", "unknown"),
    "any_asn": ("Y", "N"),
    "looked_after_home": ("Y", "N", "unknown"),
    "looked_after_foster": ("Y", "N", "unknown"),
    "looked_after_kinship": ("Y", "N", "unknown"),
    "looked_after_residential": ("Y", "N", "unknown"),
    "child_protection_register": ("Y", "N", "unknown"),
    "free_school_meals": ("Y", "N", "unknown"),
}


def _parent_rows(
    tables: PublishedTables, ids: list[str], units: dict[str, str], n: int, rng: np.random.Generator
) -> tuple[list[dict], list[dict]]:
    """Council and cluster parent estimates, and the comparator's parent rows."""
    rows, comparator = [], []
    base = {i: float(rng.uniform(0.2, 0.8)) for i in ids}
    clusters = tables.schools["asg_code"].unique(maintain_order=True).to_list()
    for ident in ids:
        sample = SampleIndicator(ident, units[ident], "parent")
        centre = _centre(sample, base)
        groups = [("council", tables.la_code, "all", "all", n)]
        for breakdown, values in PARENT_BREAKDOWNS.items():
            shares = rng.dirichlet(np.full(len(values), 4.0))
            groups += [
                ("council", tables.la_code, breakdown, v, int(n * s))
                for v, s in zip(values, shares, strict=True)
            ]
        for asg in clusters:
            k = int(n * 0.6 / max(len(clusters), 1))
            groups += [
                ("cluster", asg, "all", "all", k),
                ("cluster", asg, "sex", "F", k // 2),
                ("cluster", asg, "sex", "M", k - k // 2),
            ]
        for level, code, breakdown, value, size in groups:
            shift = (
                0.1 if (breakdown, value) == ("need_sdq_high", "true") and units[ident] == "percent" else 0.0
            )
            rows.append(_estimate_row(sample, level, code, breakdown, value, size, centre + shift, rng))
        comparator.append(_estimate_row(sample, "all_councils", "all", "all", "all", 6000, centre, rng))
    return rows, comparator  # fmt: skip


def _count_row(instrument: str, breakdown: str, value: str, measure: str, count: int) -> dict:
    """One unsuppressed linkage count row."""
    return {
        "instrument": instrument,
        "breakdown": breakdown,
        "breakdown_value": value,
        "measure": measure,
        "count": count,
        "suppressed": False,
        "reason": None,
    }


def _linkage_rows(tables: PublishedTables, parents: int, rng: np.random.Generator) -> list[dict]:
    """Parent survey counts (breakdown all), survey-side counts by sex, admin-side equality fields."""
    rows = []
    linked = int(parents * rng.uniform(0.4, 0.6))
    for measure, count in (("respondents", parents), ("linked", linked)):
        rows.append(_count_row("parent", "all", "all", measure, count))
    existing = tables.linkage_quality.filter(
        (pl.col("breakdown") == "all") & (pl.col("measure") == "respondents")
    )
    respondents = {r["instrument"]: r["count"] or 0 for r in existing.iter_rows(named=True)} | {
        "parent": parents
    }
    for instrument, total in respondents.items():
        shares = rng.dirichlet((20.0, 20.0, 0.3, 0.6))
        for value, share in zip(("F", "M", "X", "unknown"), shares, strict=True):
            k = int(total * share)
            rows.append(_count_row(instrument, "sex", value, "respondents", k))
            rows.append(_count_row(instrument, "sex", value, "linked", int(k * rng.uniform(0.8, 0.97))))
    records = sum(v for k, v in respondents.items() if k != "parent")
    for field, values in ADMIN_FIELDS.items():
        weights = np.array(
            [0.5 if v == "unknown" else (3.0 if v in ("N", "F", "M") else 1.0) for v in values]
        )
        shares = rng.dirichlet(weights * 6)
        for value, share in zip(values, shares, strict=True):
            k = int(records * share)
            rows.append(_count_row("any", field, value, "admin_records", k))
            rows.append(_count_row("any", field, value, "admin_linked", int(k * rng.uniform(0.85, 1.0))))
    rows.append(_count_row("any", "all", "all", "admin_records", records))
    rows.append(_count_row("any", "all", "all", "admin_linked", int(records * 0.93)))
    return rows


ASN_GROUP_SHARES = (0.45, 0.4, 0.12, 0.2, 0.05, 0.08, 0.04)
"""Made-up share of the children with any ASN in each reason group (asn_groups.yaml order; overlapping)."""


def _asn_group_rows(tables: PublishedTables, rng: np.random.Generator) -> list[dict]:
    """Council pupil estimates by ASN reason group (breakdown asn_<id>, 'true'), sized from any ASN's base."""
    anchor = tables.estimates.filter(
        (pl.col("geography_level") == "council")
        & (pl.col("breakdown") == "any_asn")
        & (pl.col("breakdown_value") == "true")
        & ~pl.col("indicator_id").str.starts_with("par_")
    )
    units = {i.indicator_id: i for i in sample_indicators()}
    rows = []
    for r in anchor.iter_rows(named=True):
        ident = units.get(r["indicator_id"])
        size = r["n"] or 60
        if ident is None:
            continue
        for group, share in zip(group_columns(), ASN_GROUP_SHARES, strict=True):
            centre = (
                (r["value"] / 100 if ident.unit == "percent" else r["value"])
                if r["value"] is not None
                else 0.4
            )
            rows.append(
                _estimate_row(
                    ident,
                    "council",
                    tables.la_code,
                    group,
                    "true",
                    int(size * share),
                    centre,
                    rng,
                )
            )
    return rows


def with_sample_parents(tables: PublishedTables, seed: int) -> PublishedTables:
    """The tables with the parent design's published rows and the equality-field linkage counts."""
    rng = np.random.default_rng([seed, 18])
    parent_ids = [i for i in sample_indicators() if i.instrument == "parent"]
    present = set(tables.estimates["indicator_id"].to_list())
    ids = [i.indicator_id for i in parent_ids if i.indicator_id in present]
    units = {i.indicator_id: i.unit for i in parent_ids}
    is_parent = pl.col("indicator_id").is_in(ids)
    council_n = tables.linkage_quality.filter(pl.col("measure") == "respondents")["count"].drop_nulls().sum()
    parents = max(int(council_n) // 2, 300)
    rows, comparator = _parent_rows(tables, ids, units, parents, rng)
    previous = tables.previous
    if tables.previous_wave and not previous.is_empty():
        earlier = [
            _estimate_row(SampleIndicator(i, units[i], "parent"), "council", tables.la_code, "all", "all", parents,
                          _centre(SampleIndicator(i, units[i], "parent"), {i: 0.5}), rng)
            for i in ids
        ]  # fmt: skip
        previous = pl.concat([previous.filter(~is_parent), pl.DataFrame(earlier, schema=ESTIMATE_SCHEMA)])
    linkage = pl.concat(
        [
            tables.linkage_quality.filter(pl.col("instrument") != "parent"),
            pl.DataFrame(_linkage_rows(tables, parents, rng), schema=LINKAGE_QUALITY_SCHEMA),
        ]
    ).unique(
        subset=["instrument", "breakdown", "breakdown_value", "measure"], keep="last", maintain_order=True
    )
    return replace(
        tables,
        estimates=pl.concat(
            [
                tables.estimates.filter(~is_parent),
                pl.DataFrame(rows, schema=DRAWN_ESTIMATE_SCHEMA),
                pl.DataFrame(_asn_group_rows(tables, rng), schema=DRAWN_ESTIMATE_SCHEMA),
            ]
        ),
        comparator=pl.concat(
            [tables.comparator.filter(~is_parent), pl.DataFrame(comparator, schema=DRAWN_ESTIMATE_SCHEMA)]
        ),
        previous=previous,
        linkage_quality=linkage,
    )
