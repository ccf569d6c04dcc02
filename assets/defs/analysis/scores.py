"""Analysis zone (the ScotCen role), per-respondent half: scores, weights, indicators, need and service flags."""

import dagster as dg
import polars as pl

from assets.partitions import wave_council_partitions
from assets.resources import RcsSettings
from assets.tables import partition, partition_check, write
from rcs_pipeline.scoring.score_tables import INSTRUMENT_STAGES, score_parents, score_pupils
from rcs_pipeline.storage import Partition
from rcs_pipeline.weights import covered_roll

WEIGHT_TOLERANCE = 1e-6


def _roll_by_instrument(scores: pl.DataFrame, roll: pl.DataFrame) -> dict[str, dict[str, float]]:
    """Per instrument: respondents, weight sum and the roll of the covered schools (what weights must sum to)."""
    summary = {}
    for instrument, stages in INSTRUMENT_STAGES.items():
        ours = scores.filter(pl.col("instrument") == instrument)
        if ours.height:
            summary[instrument] = {
                "respondents": ours.height,
                "weight_sum": round(float(ours["weight"].sum()), 6),
                "covered_roll": covered_roll(ours, roll.filter(pl.col("stage").is_in(stages))),
                "unweighted": int(ours["weight"].null_count()),
            }
    return summary


def _share(frame: pl.DataFrame, column: str) -> float | None:
    """Share of known values that are true (None when none is known)."""
    known = frame[column].drop_nulls()
    return round(float(known.cast(pl.Float64).mean()), 4) if known.len() else None


def _mean(frame: pl.DataFrame, column: str) -> float | None:
    """Unweighted mean of a score (None when none is scored)."""
    values = frame[column].drop_nulls()
    return round(float(values.cast(pl.Float64).mean()), 3) if values.len() else None


@dg.asset(
    group_name="analysis",
    deps=["linked_pupils", "schools", "school_roll"],
    partitions_def=wave_council_partitions,
    kinds={"polars", "parquet"},
    code_version="3",
    description="One row per pupil-survey respondent: post-stratification weight with its final weighting cell "
    "(weight_cell, cell_roll: the census design's strata and fpc), breakdowns (SIMD quintile, "
    "urban/rural, FSM P6+, ASN, ASN reason groups asn_<group>, looked after, child protection), SDQ scores and bands, WEMWBS, one ind_<id> "
    "column per catalogue indicator, need and service flags (docs/tables.md, analysis).",
)
def pupil_scores(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Score, weight and flag every pupil respondent of the partition."""
    part = partition(context, settings)
    roll = part.lookup("analysis", "school_roll")
    scores = score_pupils(part.read("linkage", "linked_pupils"), part.lookup("analysis", "schools"), roll)
    weights = _roll_by_instrument(scores, roll)
    levels = dict(scores.group_by("weight_level").len().sort("weight_level", nulls_last=True).rows())
    cells = scores.filter(pl.col("weight_cell").is_not_null()).group_by("weight_cell").len()
    return write(
        part,
        "analysis",
        "pupil_scores",
        scores,
        preview=False,
        respondents=scores.height,
        respondents_by_instrument=dg.MetadataValue.json(
            dict(scores.group_by("instrument").len().sort("instrument").rows())
        ),
        linked=int(scores["link_id"].is_not_null().sum()),
        mean_sdq_total=_mean(scores, "sdq_total"),
        mean_wemwbs=_mean(scores, "wemwbs"),
        share_need_sdq_high=_share(scores, "need_sdq_high"),
        share_need_any=_share(scores, "need_any"),
        share_service_any=_share(scores, "service_any"),
        weights_vs_roll=dg.MetadataValue.json(weights),
        weight_levels=dg.MetadataValue.json({str(k): v for k, v in levels.items()}),
        weight_cells=cells.height,
        smallest_weight_cell=int(cells["len"].min()) if cells.height else None,
    )


@partition_check(
    pupil_scores,
    "For each pupil survey, the weights sum to the roll of the schools with respondents and every "
    "respondent of a school on the roll has a weight.",
)
def pupil_scores_weights_match_roll(part: Partition, _settings: RcsSettings) -> dg.AssetCheckResult:
    """Weights reproduce the covered roll (post-stratification sums by construction; a mismatch is a bug)."""
    summary = _roll_by_instrument(
        part.read("analysis", "pupil_scores"), part.lookup("analysis", "school_roll")
    )
    passed = all(
        abs(s["weight_sum"] - s["covered_roll"]) <= WEIGHT_TOLERANCE * max(1, s["covered_roll"])
        for s in summary.values()
    )
    return dg.AssetCheckResult(passed=passed, metadata={"weights_vs_roll": dg.MetadataValue.json(summary)})


@dg.asset(
    group_name="analysis",
    deps=["linked_parents", "schools"],
    partitions_def=wave_council_partitions,
    kinds={"polars", "parquet"},
    code_version="2",
    description="One row per parent-survey respondent: child's SDQ (parent report) scores and bands (4+), the "
    "parent's SWEMWBS raw and metric score, ind_<id> for parent indicators, need and service flags, and the "
    "optional sample-design columns as delivered (docs/methods/parents.md). Weight 1.",
)
def parent_scores(context: dg.AssetExecutionContext, settings: RcsSettings) -> dg.MaterializeResult:
    """Score and flag every parent respondent of the partition."""
    part = partition(context, settings)
    scores = score_parents(part.read("linkage", "linked_parents"), part.lookup("analysis", "schools"))
    return write(
        part,
        "analysis",
        "parent_scores",
        scores,
        preview=False,
        respondents=scores.height,
        linked=int(scores["link_id"].is_not_null().sum()),
        mean_sdq_p_total=_mean(scores, "sdq_p_total"),
        mean_swemwbs_metric=_mean(scores, "swemwbs_metric"),
        share_need_sdq_high=_share(scores, "need_sdq_high"),
        share_need_any=_share(scores, "need_any"),
    )
