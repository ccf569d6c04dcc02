"""Analysis zone, statistics half: design-based estimates, three circles, response rates, comparator."""

from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from assets.partitions import every_council_of_wave, wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition, write
from rcs_pipeline.estimates import estimate_comparator, estimate_indicators, indicator_types
from rcs_pipeline.estimates.asn_group_estimates import estimate_asn_groups
from rcs_pipeline.estimates.domains import COMPARATOR_LEVEL
from rcs_pipeline.estimates.parent_design import estimate_parents, parent_response
from rcs_pipeline.estimates.response_rates import response_rates as count_response_rates
from rcs_pipeline.estimates.three_circles import three_circles as count_three_circles
from rcs_pipeline.indicators import load_catalogue
from rcs_pipeline.need import service_group_names
from rcs_pipeline.storage import Partition
from rcs_pipeline.storage.memo import computed_once, inputs_digest

CODE_VERSION = "1"
COMPARATOR_VERSION = (CODE_VERSION, "census-design", "parent-design")
# Headline figures shown in the asset's metadata (whole council, all respondents), when present.
HEADLINE_INDICATORS = (
    "sec_wemwbs_mean",
    "sec_sdq_total_above_average",
    "pri_sdq_total_above_average",
    "sec_bullied",
    "pri_bullied",
    "par_swemwbs_mean",
)


def _types_present(frame: pl.DataFrame) -> dict[str, str]:
    """Catalogue types of the indicators that have an `ind_<id>` column in `frame`."""
    return {i: t for i, t in indicator_types(load_catalogue()).items() if f"ind_{i}" in frame.columns}


def _parent_scores(part: Partition) -> pl.DataFrame | None:
    """The partition's parent_scores when it has been materialised with rows (the parent survey is optional)."""
    frame = part.read_if_any("analysis", "parent_scores")
    return frame if frame is not None and frame.height else None


def _summary(est: pl.DataFrame, min_group: int) -> dict[str, Any]:
    """Metadata: indicators, geographies, share of intervals computed, why others were not, headline figures."""
    council = est.filter(
        pl.col("geography_level").is_in(["council", "all_councils"])
        & (pl.col("breakdown") == "all")
        & (pl.col("n") >= min_group)
        & pl.col("indicator_id").is_in(HEADLINE_INDICATORS)
    ).sort("indicator_id")
    headline = {
        r["indicator_id"]: {"n": r["n"], "estimate": round(r["estimate"], 4)}
        for r in council.iter_rows(named=True)
    }
    levels = est.group_by("geography_level").agg(pl.col("geography_code").n_unique()).sort("geography_level")
    reasons = est["ci_status"].drop_nulls().value_counts().sort("ci_status")
    methods = est["ci_method"].drop_nulls().value_counts().sort("ci_method")
    return {
        "indicators": est["indicator_id"].n_unique(),
        "geographies": dg.MetadataValue.json(dict(levels.rows())),
        "share_ci_computed": round(float(est["ci_low"].is_not_null().mean()), 4) if est.height else None,
        "ci_not_computed": dg.MetadataValue.json(dict(reasons.rows())),
        "ci_methods": dg.MetadataValue.json(dict(methods.rows())),
        "share_low_reliability": round(float((est["reliability"] == "low").fill_null(False).mean()), 4)
        if est.height
        else None,
        "headline_all_respondents": dg.MetadataValue.json(headline),
    }


@dg.asset(
    group_name="analysis",
    deps=["pupil_scores", "parent_scores", "schools", "school_roll"],
    partitions_def=wave_council_partitions,
    kinds={"duckdb", "polars", "parquet"},
    code_version=f"{CODE_VERSION}.census-design.parent-design.asn-groups",
    description="Every indicator × council/cluster/school × breakdown: unweighted n, weighted estimate and 95% CI "
    "by Taylor linearisation under the census design (strata = weighting cells, fpc = cell roll; logit interval "
    "for proportions, Clopper-Pearson at 0% or 100%), as R's survey package, with the NCHS low-reliability flag "
    "(docs/methods/estimates.md). Pupil indicators from pupil_scores; parent indicators from parent_scores "
    "under the household sample design (docs/methods/parents.md); pupil indicators by ASN reason group for the "
    "council (breakdown asn_<group>, value true: docs/methods/parents.md).",
)
def estimates(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Estimate every catalogue indicator of the partition under its council's design."""
    part = partition(context, settings)
    pupils = part.read("analysis", "pupil_scores")
    parts = [estimate_indicators(pupils, _types_present(pupils))]  # census design: weight_cell, cell_roll
    parts.append(estimate_asn_groups(pupils, _types_present(pupils)))  # ASN reason groups, council level
    parents = _parent_scores(part)
    if parents is not None:  # household sample design: docs/methods/parents.md
        parts.append(estimate_parents(parents, _types_present(parents)))
    est = pl.concat(parts).sort(
        ["indicator_id", "geography_level", "geography_code", "breakdown", "breakdown_value"]
    )
    context.log.info(f"{est.height} estimates for {est['indicator_id'].n_unique()} indicators")
    return write(
        part,
        "analysis",
        "estimates",
        est,
        preview=False,
        **_summary(est, settings.thresholds(part.wave, part.la_code).min_group),
    )


@dg.asset_check(
    asset=estimates,
    blocking=True,
    description="Every interval contains its estimate exactly, proportions and their intervals lie in [0, 1], "
    "every proportion has an interval, and a missing interval always carries its documented reason (ci_status).",
)
def estimates_intervals_are_coherent(
    context: dg.AssetCheckExecutionContext, settings: RcsSettings
) -> dg.AssetCheckResult:
    """A broken interval is a bug in the method, not in the data: stop before anything is published."""
    est = partition(context, settings).read("analysis", "estimates")
    # No tolerance: intervals are clamped to hold their estimate exactly (docs/methods/estimates.md).
    outside = est.filter(
        pl.col("ci_low").is_not_null()
        & ((pl.col("ci_low") > pl.col("estimate")) | (pl.col("ci_high") < pl.col("estimate")))
    ).height
    props = est.filter(pl.col("n_positive").is_not_null())
    props_without_ci = props.filter(pl.col("ci_low").is_null() | pl.col("ci_high").is_null()).height
    out_of_range = props.filter(
        (pl.col("estimate") < 0) | (pl.col("estimate") > 1) | (pl.col("ci_low") < 0) | (pl.col("ci_high") > 1)
    ).height
    unexplained = est.filter(pl.col("ci_low").is_null() & pl.col("ci_status").is_null()).height
    problems = [
        f"{count} row(s) {what}"
        for count, what in (
            (outside, "with an estimate outside its interval (columns estimate, ci_low, ci_high)"),
            (out_of_range, "with a proportion or interval outside [0, 1] (estimate, ci_low, ci_high)"),
            (unexplained, "with a missing interval and no reason (column ci_status)"),
            (props_without_ci, "with a proportion but no interval (columns n_positive, ci_low, ci_high)"),
        )
        if count
    ]
    return dg.AssetCheckResult(
        passed=outside == 0 and out_of_range == 0 and unexplained == 0 and props_without_ci == 0,
        description="; ".join(problems) or "every interval coherent",
        metadata={
            "estimate_outside_ci": outside,
            "proportion_out_of_range": out_of_range,
            "missing_ci_unexplained": unexplained,
            "proportion_without_ci": props_without_ci,
        },
    )


@dg.asset(
    group_name="analysis",
    deps=["pupil_scores"],
    partitions_def=wave_council_partitions,
    kinds={"duckdb", "polars", "parquet"},
    code_version=f"{CODE_VERSION}.service-groups",
    description="Need versus services (three circles): for every need flag × service group (social work, "
    "additional support for learning, any), unweighted counts of need with service, need without, service "
    "without need and neither, by council/cluster/school × breakdown.",
)
def three_circles(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Count the circles of every need × service pair of the partition's pupils."""
    part = partition(context, settings)
    pupils = part.read("analysis", "pupil_scores")
    needs = [c for c in pupils.columns if c.startswith("need_")]
    services = [c for c in service_group_names() if c in pupils.columns]  # social work, ASL, any (flags.yaml)
    table = count_three_circles(pupils, needs, services)
    council = table.filter(
        (pl.col("geography_level") == "council")
        & (pl.col("breakdown") == "all")
        & (pl.col("need") == "need_any")
        & (pl.col("service") == "service_any")
    )
    return write(
        part,
        "analysis",
        "three_circles",
        table,
        preview=False,
        needs=len(needs),
        services=len(services),
        council_need_any_vs_service_any=dg.MetadataValue.json(
            {c: {"n": n, "base": b} for c, n, b in council.select("circle", "n", "base").iter_rows()}
        ),
    )


@dg.asset(
    group_name="analysis",
    deps=["pupil_scores", "parent_scores", "schools", "school_roll"],
    partitions_def=wave_council_partitions,
    kinds={"duckdb", "polars", "parquet"},
    code_version=f"{CODE_VERSION}.parents",
    description="Respondents against the school roll of the surveyed stages by council/cluster/school × "
    "instrument × stage × sex, with totals ('all'); and, when the parent survey carries the families issued "
    "per sample stratum, the council's parent interviews against them (instrument 'parent', roll = issued; "
    "docs/methods/parents.md).",
)
def response_rates(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Count respondents and roll per geography, instrument, stage and sex."""
    part = partition(context, settings)
    table = count_response_rates(
        part.read("analysis", "pupil_scores"),
        part.lookup("analysis", "schools"),
        part.lookup("analysis", "school_roll"),
    )
    parents = _parent_scores(part)
    if parents is not None:  # a row only when every sample stratum carries its families issued
        table = pl.concat([table, parent_response(parents)])
    totals = table.filter(
        (pl.col("geography_level") == "council") & (pl.col("stage") == "all") & (pl.col("sex") == "all")
    )
    rates = {
        i: round(r / roll, 4) if roll else None
        for i, roll, r in totals.select("instrument", "roll", "respondents").iter_rows()
    }
    return write(
        part,
        "analysis",
        "response_rates",
        table,
        preview=False,
        council_response_rate=dg.MetadataValue.json(rates),
    )


COMPARATOR_INPUTS = ("pupil_scores", "parent_scores")


def _comparator(inputs: dict[str, list[Path]], wave: str) -> pl.DataFrame:
    """The all-councils comparator over every council's pupil (census) and parent (household) scores."""
    parts = []
    for table, paths in inputs.items():
        frames = [f for f in (pl.read_parquet(p) for p in paths) if f.height]
        if not frames:
            continue
        scores = pl.concat(frames, how="diagonal_relaxed")
        if table == "pupil_scores":
            parts.append(estimate_comparator(scores, _types_present(scores)))
        else:  # parents: the household sample design over every council (docs/methods/parents.md)
            parts.append(estimate_parents(scores, _types_present(scores), levels=(COMPARATOR_LEVEL,)))
    if not parts:
        raise dg.Failure(f"no pupil_scores for wave {wave}: materialise the councils' pupil_scores first")
    return pl.concat(parts).sort(["indicator_id", "breakdown", "breakdown_value"])


@dg.asset(
    group_name="analysis",
    deps=[
        dg.AssetDep("pupil_scores", partition_mapping=every_council_of_wave),
        dg.AssetDep("parent_scores", partition_mapping=every_council_of_wave),
    ],
    partitions_def=wave_council_partitions,
    kinds={"duckdb", "polars", "parquet"},
    code_version=".".join(COMPARATOR_VERSION),
    description="The all-participating-councils comparator of a wave: every indicator × breakdown over every "
    "council's respondents as one census design (strata = council × weighting cell, fpc = cell roll). Each "
    "council's partition holds the same all-councils figures (docs/tables.md).",
)
def comparator_estimates(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Estimate every indicator over all councils of the wave that have pupil_scores (once per wave)."""
    part = partition(context, settings)
    inputs = {table: part.home.wave_tables("analysis", table, part.wave) for table in COMPARATOR_INPUTS}
    councils = {table: [p.stem for p in paths] for table, paths in inputs.items()}
    digest = inputs_digest(
        [p for paths in inputs.values() for p in paths], str(councils), *COMPARATOR_VERSION
    )
    est, reused = computed_once(
        part.home,
        "analysis",
        "comparator_estimates",
        part.wave,
        digest,
        lambda: _comparator(inputs, part.wave),
    )
    return write(
        part,
        "analysis",
        "comparator_estimates",
        est,
        preview=False,
        councils=dg.MetadataValue.json(councils),
        computed_for_this_council=not reused,
        **_summary(est, settings.thresholds(part.wave, part.la_code).min_group),
    )
