"""Post-stratification of survey respondents to the school roll (school x stage x sex), with collapsing.

Rule (docs/methods/weighting.md):
1. A respondent's cell is school x stage x sex. In a school x stage where every roll sex with pupils has
   at least one respondent, and every respondent's sex is one the roll counts there (so no blank or `X`
   sex), each respondent weighs roll(cell) / respondents(cell)  (level `school_stage_sex`).
2. Otherwise sex is collapsed within that school x stage: roll(school, stage) / respondents(school, stage)
   (level `school_stage`).
3. If any stage of the school's roll (the roll given, i.e. the instrument's stages) has no respondents,
   or a respondent's stage has no pupils on the roll, stage is collapsed within the school: every
   respondent of the school weighs roll(school) / respondents(school) (level `school`).
4. A respondent whose school has no pupils on the roll cannot be weighted: weight null, level null.
Within each final group the weights sum to the group's roll, so the weights of a council sum to the roll
of its covered schools (schools with at least one respondent) over the stages given.

Example: roll S1 M 10, S1 F 10; respondents S1 M x2, S1 F x5 -> 5.0 each for boys, 2.0 each for girls.
"""

from __future__ import annotations

import polars as pl

CELL = ("seed_code", "stage", "sex")
WEIGHT_LEVELS = ("school_stage_sex", "school_stage", "school")


def _roll_cells(roll: pl.DataFrame) -> pl.DataFrame:
    """Roll pupils summed per school x stage x sex, keeping only cells with pupils."""
    return (
        roll.group_by(list(CELL))
        .agg(pl.col("pupils").cast(pl.Int64).sum().alias("roll_cell"))
        .filter(pl.col("roll_cell") > 0)
    )


def poststratification_weights(respondents: pl.DataFrame, roll: pl.DataFrame) -> pl.DataFrame:
    """`respondents` (with seed_code, stage, sex) plus Float64 `weight` and text `weight_level`, same row order.

    `roll` holds seed_code, stage, sex, pupils for the stages the survey covered (filter it first).
    """
    cells = _roll_cells(roll)
    roll_stage = cells.group_by("seed_code", "stage").agg(
        pl.col("roll_cell").sum().alias("roll_stage"), pl.len().alias("roll_sexes")
    )
    roll_school = cells.group_by("seed_code").agg(
        pl.col("roll_cell").sum().alias("roll_school"), pl.col("stage").n_unique().alias("roll_stages")
    )
    people = (
        respondents.with_row_index("_row")
        .join(cells, on=list(CELL), how="left", nulls_equal=False)
        .join(roll_stage, on=["seed_code", "stage"], how="left")
        .join(roll_school, on="seed_code", how="left")
    )
    people = people.with_columns(
        pl.len().over(list(CELL)).alias("n_cell"),
        pl.len().over("seed_code", "stage").alias("n_stage"),
        pl.len().over("seed_code").alias("n_school"),
        # Every respondent of the school x stage sits in a roll sex cell, and every roll sex cell is used.
        (
            pl.col("roll_cell").is_not_null().all().over("seed_code", "stage")
            & (
                pl.col("sex").filter(pl.col("roll_cell").is_not_null()).n_unique().over("seed_code", "stage")
                == pl.col("roll_sexes")
            )
        ).alias("_sex_ok"),
    )
    people = people.with_columns(
        (
            pl.col("roll_stage").is_not_null().all().over("seed_code")
            & (pl.col("stage").n_unique().over("seed_code") == pl.col("roll_stages"))
        ).alias("_stage_ok"),
    )
    level = (
        pl.when(pl.col("roll_school").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(~pl.col("_stage_ok"))
        .then(pl.lit("school"))
        .when(pl.col("_sex_ok"))
        .then(pl.lit("school_stage_sex"))
        .otherwise(pl.lit("school_stage"))
    )
    weight = (
        pl.when(pl.col("weight_level") == "school_stage_sex")
        .then(pl.col("roll_cell") / pl.col("n_cell"))
        .when(pl.col("weight_level") == "school_stage")
        .then(pl.col("roll_stage") / pl.col("n_stage"))
        .when(pl.col("weight_level") == "school")
        .then(pl.col("roll_school") / pl.col("n_school"))
        .otherwise(None)
        .cast(pl.Float64)
    )
    return (
        people.with_columns(level.alias("weight_level"))
        .with_columns(weight.alias("weight"))
        .sort("_row")
        .select(*respondents.columns, "weight", "weight_level")
    )


def covered_roll(respondents: pl.DataFrame, roll: pl.DataFrame) -> int:
    """Pupils on the roll of schools with at least one respondent: what the weights should sum to."""
    schools = respondents.select("seed_code").unique()
    return int(roll.join(schools, on="seed_code", how="semi")["pupils"].cast(pl.Int64).sum())
