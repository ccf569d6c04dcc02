"""The analysis tables `pupil_scores` and `parent_scores`: one row per respondent with weight, breakdowns,
scores and bands, every indicator's value, need and service flags (docs/tables.md, "analysis")."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.indicators import evaluate_indicators, load_catalogue
from rcs_pipeline.need import add_need_flags, add_service_flags, need_flag_names, service_flag_names
from rcs_pipeline.need.asn_groups import group_columns, group_flags
from rcs_pipeline.scoring.breakdowns import BREAKDOWN_COLUMNS, breakdown_expressions
from rcs_pipeline.scoring.reference import SDQ_SCALES
from rcs_pipeline.scoring.sdq import score_sdq
from rcs_pipeline.scoring.wemwbs import score_swemwbs, wemwbs_score
from rcs_pipeline.weights import poststratification_weights

INSTRUMENT_STAGES: dict[str, tuple[str, ...]] = {
    "secondary": ("S1", "S2", "S3", "S4"),
    "primary": ("P5", "P6", "P7"),
}
KEY_COLUMNS = (
    "wave",
    "la_code",
    "instrument",
    "response_id",
    "link_id",
    "seed_code",
    "asg_code",
    "stage",
    "sex",
)
# Optional sample-design columns of the parent survey (docs/methods/parents.md), kept when delivered.
PARENT_DESIGN_COLUMNS = ("sample_stratum", "design_weight", "stratum_issued")
MIN_PARENT_BAND_AGE = 4  # the 4-17 cut-offs; the 2-4 parent version has no published 4-band table here


def score_columns(prefix: str, *, with_impact: bool) -> list[str]:
    """Score and band column names in table order for an SDQ prefix."""
    scores = [f"{prefix}{s}" for s in (*SDQ_SCALES, "total", "externalising", "internalising")]
    bands = [f"{prefix}total_band4", f"{prefix}total_band3", *[f"{prefix}{s}_band4" for s in SDQ_SCALES]]
    if with_impact:
        scores.append(f"{prefix}impact")
        bands.append(f"{prefix}impact_band4")
    return scores + bands


def school_clusters(schools: pl.DataFrame) -> pl.DataFrame:
    """seed_code → asg_code, one row per school."""
    return schools.select("seed_code", "asg_code").unique(subset="seed_code", keep="first")


def weight_pupils(frame: pl.DataFrame, roll: pl.DataFrame) -> pl.DataFrame:
    """Post-stratify each instrument's respondents to the roll of that instrument's stages.

    Adds weight, weight_level, weight_cell (the final cell, prefixed by the instrument so that it is unique
    within the council and wave) and cell_roll (that cell's roll: the census design's stratum and fpc).
    """
    parts = []
    for instrument, stages in INSTRUMENT_STAGES.items():
        respondents = frame.filter(pl.col("instrument") == instrument)
        if respondents.height:
            parts.append(
                poststratification_weights(
                    respondents, roll.filter(pl.col("stage").is_in(stages)), label_prefix=f"{instrument}:"
                )
            )
    other = frame.filter(~pl.col("instrument").is_in(list(INSTRUMENT_STAGES)))
    if other.height:
        parts.append(other.with_columns(_no_weight()))
    if not parts:
        return frame.with_columns(_no_weight())
    return pl.concat(parts, how="vertical_relaxed")


def _no_weight() -> list[pl.Expr]:
    """Null weight, level, cell and cell roll (a respondent outside both pupil surveys' stages)."""
    return [
        pl.lit(None, pl.Float64).alias("weight"),
        pl.lit(None, pl.String).alias("weight_level"),
        pl.lit(None, pl.String).alias("weight_cell"),
        pl.lit(None, pl.Int64).alias("cell_roll"),
    ]


def score_pupils(linked: pl.DataFrame, schools: pl.DataFrame, roll: pl.DataFrame) -> pl.DataFrame:
    """`pupil_scores` from `linked_pupils`, the council's schools and its school roll.

    `sex` is the pupil's own answer, or the council's record where the pupil left it blank (linked only).
    """
    frame = linked.with_columns(pl.coalesce(pl.col("sex"), pl.col("admin_sex")).alias("sex"))
    frame = score_sdq(frame, informant="self").with_columns(wemwbs_score().alias("wemwbs"))
    frame = frame.join(school_clusters(schools), on="seed_code", how="left")
    frame = weight_pupils(frame, roll)
    frame = frame.with_columns(breakdown_expressions())
    frame = frame.with_columns(group_flags(pl.col("link_id").is_not_null(), pl.col("asn_types")))
    frame = add_service_flags(add_need_flags(frame, "pupil"))
    catalogue = load_catalogue().filter(pl.col("instrument").is_in(list(INSTRUMENT_STAGES)))
    frame = evaluate_indicators(frame, catalogue)
    indicators = [f"ind_{i}" for i in catalogue["indicator_id"]]
    columns = [
        *KEY_COLUMNS, "weight", "weight_level", "weight_cell", "cell_roll", *BREAKDOWN_COLUMNS, *group_columns(),
        *score_columns("sdq_", with_impact=True),
        "wemwbs", *indicators, *need_flag_names("pupil"), *service_flag_names(),
    ]  # fmt: skip
    return frame.select(columns).sort("instrument", "response_id")


def score_parents(linked: pl.DataFrame, schools: pl.DataFrame) -> pl.DataFrame:
    """`parent_scores` from `linked_parents`: child's SDQ (parent report), parent's SWEMWBS, indicators.

    Parents are not post-stratified (no population count of parents is delivered): weight is 1.0. SDQ bands
    use the 4-17 cut-offs, so they are null for children under 4 (scores are kept from age 2).
    """
    frame = score_sdq(
        linked, informant="parent", item_prefix="sdq_p_", out_prefix="sdq_p_", with_impact=False
    )
    bands = [c for c in frame.columns if c.startswith("sdq_p_") and c.endswith(("_band4", "_band3"))]
    too_young = pl.col("child_age").is_not_null() & (pl.col("child_age") < MIN_PARENT_BAND_AGE)
    frame = frame.with_columns([pl.when(too_young).then(None).otherwise(pl.col(b)).alias(b) for b in bands])
    frame = score_swemwbs(frame)
    frame = frame.join(school_clusters(schools), on="seed_code", how="left").with_columns(
        pl.lit(None, pl.String).alias("stage"),
        pl.col("child_sex").alias("sex"),
        pl.lit(1.0).alias("weight"),
        pl.lit("unweighted").alias("weight_level"),
    )
    frame = frame.with_columns(breakdown_expressions())
    frame = add_service_flags(add_need_flags(frame, "parent"))
    catalogue = load_catalogue().filter(pl.col("instrument") == "parent")
    frame = evaluate_indicators(frame, catalogue)
    columns = [
        *KEY_COLUMNS, "child_age", "weight", "weight_level", *BREAKDOWN_COLUMNS,
        *score_columns("sdq_p_", with_impact=False), "swemwbs_raw", "swemwbs_metric",
        *[f"ind_{i}" for i in catalogue["indicator_id"]], *need_flag_names("parent"), *service_flag_names(),
        *[c for c in PARENT_DESIGN_COLUMNS if c in frame.columns],
    ]  # fmt: skip
    return frame.select(columns).sort("instrument", "response_id")
