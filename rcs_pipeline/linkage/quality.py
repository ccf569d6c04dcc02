"""GUILD linkage-quality tables: who linked, how, who did not and why, and whether linked and unlinked differ.

Survey-side counts (instrument = secondary | primary | parent) cover every respondent, duplicates included:
respondents = linked_exact + linked_probabilistic + each unlinked reason + duplicate. Admin-side counts
(instrument = `any`) cover every admin record, with `admin_linked` = records linked to at least one survey
response; they give link rates by the council's own fields (SIMD, urban/rural, each admin flag).
Counts only; rates are derived downstream, and the table is disclosure-controlled before publication.
"""

from __future__ import annotations

import polars as pl

from rcs_pipeline.linkage.linker import LINK_COLUMNS, admin_content
from rcs_pipeline.linkage.matching import SURVEY_INSTRUMENTS
from rcs_pipeline.scoring import score_sdq, wemwbs_score
from rcs_pipeline.scoring.wemwbs import swemwbs_raw_score

SURVEY_MEASURES = (
    "respondents",
    "linked",
    "linked_exact",
    "linked_probabilistic",
    "unlinked_no_reference",
    "unlinked_reference_not_in_extract",
    "unlinked_below_threshold",
    "duplicate",
)
ADMIN_MEASURES = ("admin_records", "admin_linked")
SURVEY_BREAKDOWNS = ("all", "sex", "stage", "school")
UNKNOWN = "unknown"
QUALITY_SCHEMA: dict[str, pl.DataType] = {
    "instrument": pl.String(),
    "breakdown": pl.String(),
    "breakdown_value": pl.String(),
    "measure": pl.String(),
    "count": pl.Int64(),
}
COMPARISON_SCHEMA: dict[str, pl.DataType] = {
    "instrument": pl.String(),
    "measure": pl.String(),
    "group": pl.String(),
    "n": pl.Int64(),
    "mean": pl.Float64(),
}


def respondent_outcomes(link_map: pl.DataFrame, content: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per survey response: instrument, sex, stage, school, link columns (no token kept)."""
    parts = []
    for dataset, instrument in SURVEY_INSTRUMENTS.items():
        if dataset not in content:
            continue
        frame = content[dataset]
        sex = "sex" if "sex" in frame.columns else "child_sex"
        links = link_map.filter(pl.col("dataset") == dataset).select("record_token", *LINK_COLUMNS)
        parts.append(
            frame.join(links, on="record_token", how="left").select(
                pl.lit(instrument).alias("instrument"),
                pl.col(sex).cast(pl.String).alias("sex"),
                (pl.col("stage") if "stage" in frame.columns else pl.lit(None))
                .cast(pl.String)
                .alias("stage"),
                pl.col("seed_code").cast(pl.String).alias("school"),
                "link_method",
                "unlinked_reason",
            )
        )
    schema = {
        "instrument": pl.String,
        "sex": pl.String,
        "stage": pl.String,
        "school": pl.String,
        "link_method": pl.String,
        "unlinked_reason": pl.String,
    }
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _survey_counts(outcomes: pl.DataFrame, breakdown: str) -> pl.DataFrame:
    """Every survey measure for each (instrument, value of `breakdown`)."""
    value = pl.lit("all") if breakdown == "all" else pl.col(breakdown).fill_null(UNKNOWN)
    reason = pl.col("unlinked_reason")
    measures = {
        "respondents": pl.len(),
        "linked": pl.col("link_method").is_not_null().sum(),
        "linked_exact": (pl.col("link_method") == "exact").sum(),
        "linked_probabilistic": (pl.col("link_method") == "probabilistic").sum(),
        "unlinked_no_reference": (reason == "no_reference").sum(),
        "unlinked_reference_not_in_extract": (reason == "reference_not_in_extract").sum(),
        "unlinked_below_threshold": (reason == "below_threshold").sum(),
        "duplicate": (reason == "duplicate").sum(),
    }
    wide = outcomes.group_by("instrument", value.alias("breakdown_value")).agg(
        **{name: expr.cast(pl.Int64) for name, expr in measures.items()}
    )
    return wide.unpivot(
        index=["instrument", "breakdown_value"], variable_name="measure", value_name="count"
    ).with_columns(pl.lit(breakdown).alias("breakdown"))


def _flag_value(column: str) -> pl.Expr:
    """Y / N / unknown text of a Boolean admin flag."""
    return (
        pl.when(pl.col(column))
        .then(pl.lit("Y"))
        .when(~pl.col(column))
        .then(pl.lit("N"))
        .otherwise(pl.lit(UNKNOWN))
    )


def admin_breakdowns(admin: pl.DataFrame) -> dict[str, pl.Expr]:
    """Admin-side breakdowns: sex, stage, school, SIMD quintile, urban/rural, any ASN and each Y/N flag."""
    candidates: dict[str, tuple[str, pl.Expr]] = {
        "sex": ("admin_sex", pl.col("admin_sex").cast(pl.String)),
        "stage": ("admin_stage", pl.col("admin_stage").cast(pl.String)),
        "school": ("admin_seed_code", pl.col("admin_seed_code").cast(pl.String)),
        "simd_quintile": ("simd_decile", ((pl.col("simd_decile").cast(pl.Int16) + 1) // 2).cast(pl.String)),
        "urban_rural_8fold": ("urban_rural_8fold", pl.col("urban_rural_8fold").cast(pl.String)),
        "any_asn": (
            "asn_types",
            pl.when(pl.col("asn_types").is_not_null()).then(pl.lit("Y")).otherwise(pl.lit("N")),
        ),
    }
    out: dict[str, pl.Expr] = {"all": pl.lit("all")}
    for breakdown, (column, expr) in candidates.items():
        if column in admin.columns:
            out[breakdown] = expr.fill_null(UNKNOWN)
    for name, dtype in admin.schema.items():
        if dtype == pl.Boolean:
            out[name] = _flag_value(name)
    return out


def _admin_counts(admin: pl.DataFrame, linked_ids: pl.Series) -> pl.DataFrame:
    """admin_records and admin_linked for every admin-side breakdown value (instrument = 'any')."""
    flagged = admin.with_columns(pl.col("link_id").is_in(linked_ids.implode()).alias("is_linked"))
    parts = []
    for breakdown, value in admin_breakdowns(admin).items():
        wide = flagged.group_by(value.alias("breakdown_value")).agg(
            pl.len().cast(pl.Int64).alias("admin_records"),
            pl.col("is_linked").sum().cast(pl.Int64).alias("admin_linked"),
        )
        parts.append(
            wide.unpivot(index="breakdown_value", variable_name="measure", value_name="count").with_columns(
                pl.lit("any").alias("instrument"), pl.lit(breakdown).alias("breakdown")
            )
        )
    return pl.concat(parts)


def linkage_quality(link_map: pl.DataFrame, content: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The GUILD count table of one (wave, council): survey-side and admin-side breakdowns, sorted."""
    outcomes = respondent_outcomes(link_map, content)
    parts = [_survey_counts(outcomes, b) for b in SURVEY_BREAKDOWNS]
    if "admin_extract" in content:
        admin = admin_content(link_map, content["admin_extract"])
        linked_ids = link_map.filter(pl.col("dataset") != "admin_extract", pl.col("link_id").is_not_null())
        parts.append(_admin_counts(admin, linked_ids.get_column("link_id").unique()))
    table = pl.concat([p.select(list(QUALITY_SCHEMA)).cast(QUALITY_SCHEMA) for p in parts])
    measure_order = {m: i for i, m in enumerate((*SURVEY_MEASURES, *ADMIN_MEASURES))}
    return (
        table.with_columns(pl.col("measure").replace_strict(measure_order, return_dtype=pl.Int16).alias("_m"))
        .sort(["instrument", "breakdown", "breakdown_value", "_m"])
        .drop("_m")
    )


def comparison_measures(frame: pl.DataFrame, instrument: str) -> pl.DataFrame:
    """Scored survey measures of one instrument's linked rows (column per measure) for the comparison."""
    if instrument == "parent":
        scored = score_sdq(
            frame, informant="parent", item_prefix="sdq_p_", out_prefix="sdq_p_", with_impact=False
        )
        return scored.select(
            "link_method",
            "sdq_p_total",
            "sdq_p_emotional",
            "sdq_p_conduct",
            "sdq_p_hyperactivity",
            "sdq_p_peer",
            "sdq_p_prosocial",
            swemwbs_raw_score().alias("swemwbs_raw"),
            pl.col("child_general_health").cast(pl.Float64).alias("child_general_health"),
        )
    scored = score_sdq(frame)
    measures = ["sdq_total", "sdq_emotional", "sdq_conduct", "sdq_hyperactivity", "sdq_peer", "sdq_prosocial"]
    extra = [
        (pl.col("life_satisfaction").cast(pl.Float64) - 1).alias("life_satisfaction"),
        pl.col("general_health").cast(pl.Float64).alias("general_health"),
    ]
    if instrument == "secondary":
        extra.append(wemwbs_score().alias("wemwbs"))
    return scored.select("link_method", *measures, *extra)


def linkage_comparison(linked: pl.DataFrame) -> pl.DataFrame:
    """Mean of each survey measure for linked and unlinked respondents (duplicates excluded), by instrument."""
    parts = []
    for instrument in sorted(linked.get_column("instrument").unique().to_list()):
        rows = linked.filter(pl.col("instrument") == instrument)
        measures = (
            comparison_measures(rows, instrument)
            .with_columns(
                pl.when(pl.col("link_method").is_not_null())
                .then(pl.lit("linked"))
                .otherwise(pl.lit("unlinked"))
                .alias("group")
            )
            .drop("link_method")
        )
        long = measures.unpivot(index="group", variable_name="measure", value_name="value").drop_nulls(
            "value"
        )
        grid = pl.DataFrame({"measure": [c for c in measures.columns if c != "group"]}).join(
            pl.DataFrame({"group": ["linked", "unlinked"]}), how="cross"
        )
        stats = long.group_by("measure", "group").agg(
            pl.len().alias("n"), pl.col("value").cast(pl.Float64).mean().alias("mean")
        )
        parts.append(
            grid.join(stats, on=["measure", "group"], how="left").with_columns(
                pl.lit(instrument).alias("instrument"), pl.col("n").fill_null(0)
            )
        )
    if not parts:
        return pl.DataFrame(schema=COMPARISON_SCHEMA)
    return pl.concat([p.select(list(COMPARISON_SCHEMA)).cast(COMPARISON_SCHEMA) for p in parts]).sort(
        ["instrument", "measure", "group"]
    )


def quality_summary(quality: pl.DataFrame) -> dict[str, float | int]:
    """Headline counts and link rates per instrument, for asset metadata (counts only, no identifiers)."""
    overall = quality.filter(pl.col("breakdown") == "all")
    summary: dict[str, float | int] = {}
    for instrument, measure, count in overall.select("instrument", "measure", "count").rows():
        summary[f"{instrument}/{measure}"] = int(count)
    for instrument in overall.get_column("instrument").unique().sort().to_list():
        respondents = summary.get(f"{instrument}/respondents", 0)
        if respondents:
            summary[f"{instrument}/link_rate"] = round(summary[f"{instrument}/linked"] / respondents, 4)
    return dict(sorted(summary.items()))
